//go:build tools

// Package tools pins the prometheus-operator v0.93.0 commands the rig builds.
// Build them with the module-qualified paths, e.g.
//
//	go build -o OUT/ github.com/prometheus-operator/prometheus-operator/cmd/operator
package tools

import (
	_ "github.com/prometheus-operator/prometheus-operator/cmd/operator"
	_ "github.com/prometheus-operator/prometheus-operator/cmd/prometheus-config-reloader"
)
