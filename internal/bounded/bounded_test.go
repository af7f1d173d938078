package bounded

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/small" {
			io.WriteString(w, strings.Repeat("a", 1000))
			return
		}
		for range 1 << 12 { // 4 MiB, past the cap
			if _, err := io.WriteString(w, strings.Repeat("b", 1024)); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := Client(srv.Client(), 1000)
	for _, tc := range []struct {
		path   string
		n      int
		tooBig bool
	}{{"/small", 1000, false}, {"/endless", 1000, true}} {
		res, err := c.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if len(b) != tc.n || IsTooLarge(err) != tc.tooBig {
			t.Errorf("%s: read %d bytes, err %v; want %d, too large %v", tc.path, len(b), err, tc.n, tc.tooBig)
		}
		if tc.tooBig && !strings.Contains(err.Error(), "answer larger than") {
			t.Errorf("%s: message %q", tc.path, err)
		}
	}
}
