package lint

// prometheusChecks are the prometheus/* checks, in documentation order.
func prometheusChecks() []Check {
	return []Check{
		prometheusInvalid{},
		prometheusLoadBalancer{},
		prometheusSubset{},
		prometheusMeshPort{},
		prometheusReplicaLabel{},
	}
}
