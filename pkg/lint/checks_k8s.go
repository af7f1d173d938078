package lint

// k8sChecks are the k8s/* checks, in documentation order.
func k8sChecks() []Check {
	return []Check{}
}
