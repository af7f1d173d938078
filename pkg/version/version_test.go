package version

import "testing"

func TestDocsRef(t *testing.T) {
	for v, want := range map[string]string{
		"v0.1.0":                             "v0.1.0",
		"v1.2.0-rc.1":                        "v1.2.0-rc.1",
		"v0.1.0-dirty":                       "v0.1.0",
		"v0.0.0-20261205154249-0349af8abcde": "0349af8abcde",
		"v0.1.1-0.20261205154249-0349af8abcde+dirty": "0349af8abcde",
		"dev":          "main",
		"":             "main",
		"(devel)":      "main",
		"0349af8":      "main",
		"v0.1.0+build": "main",
	} {
		if got := DocsRef(v); got != want {
			t.Errorf("DocsRef(%q) = %q, want %q", v, got, want)
		}
	}
}
