package lint

// k8sChecks are the k8s/* checks, in documentation order.
func k8sChecks() []Check {
	return []Check{
		k8sDeployment{},
		k8sServiceNotHeadless{},
		k8sPublishNotReady{},
		k8sOrderedReady{},
		k8sMeshPortBlocked{},
		k8sMeshPortUDP{},
		k8sSpread{},
		k8sPDB{},
		k8sStorage{},
		k8sProbes{},
		k8sStartDelay{},
	}
}
