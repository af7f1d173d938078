package localcluster

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"
)

// A replica whose web port is taken when it binds (another process on the shared loopback
// got it first) is given new ports and started again, and answers.
func TestStartRebindsATakenPort(t *testing.T) {
	if testing.Short() {
		t.Skip("a real replica: not in -short")
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := Start(ctx, 1, Options{Args: func(int) []string {
		return []string{"--web.listen-address=" + taken.Addr().String()}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := c.Replicas[0]
	if !p.Running() || p.WebAddr == taken.Addr().String() {
		t.Fatalf("running %v on %s, the taken port %s:\n%s", p.Running(), p.WebAddr, taken.Addr(), p.Log())
	}
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Get(p.URL() + "/-/ready")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/-/ready: %s", res.Status)
	}
}
