package lint

// clusterChecks are the cluster/* checks, in documentation order.
func clusterChecks() []Check {
	return []Check{
		clusterDisabled{},
	}
}
