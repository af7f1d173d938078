package lint

// configChecks are the config/* checks, in documentation order.
func configChecks() []Check {
	return []Check{
		configInvalid{},
		configDrift{},
		configNoDedupKey{},
		configNoWatchdog{},
	}
}
