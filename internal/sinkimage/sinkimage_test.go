package sinkimage

import "testing"

func TestForVersion(t *testing.T) {
	for v, want := range map[string]string{
		"v0.1.0":                               Repository + ":v0.1.0",
		"v0.2.0-rc.1":                          Repository + ":v0.2.0-rc.1",
		"dev":                                  "",
		"v0.1.0-dirty":                         "",
		"v0.1.1-0.20261205154249-0349af8abcde": "",
		"v0.1.0+build":                         "",
	} {
		if got := ForVersion(v); got != want {
			t.Errorf("ForVersion(%q) = %q, want %q", v, got, want)
		}
	}
}
