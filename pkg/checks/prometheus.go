package checks

import (
	"net"
	"net/url"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// wiring classifies each active Alertmanager URL of each Prometheus: which replica it is, or
// whether it points at the mesh port or at something that is no replica.
type wiring struct {
	prom      string
	matched   map[string]bool // replica names reached
	meshPort  []string
	unmatched []string
}

func classify(c *model.Cluster) []wiring {
	web := map[string]string{}
	meshAddr := map[string]string{}
	// meshPorts are the cluster ports the replicas use (their --cluster.listen-address and
	// member addresses; 9094 when neither is known), less their web ports.
	meshPorts := map[string]bool{}
	for _, r := range c.Replicas {
		for _, a := range r.WebAddresses {
			web[strings.ToLower(a)] = r.Name
		}
		port, known := listenPort(r)
		if r.Pod != nil && r.Pod.IP != "" {
			meshAddr[net.JoinHostPort(r.Pod.IP, port)] = r.Name
		}
		if known {
			meshPorts[port] = true
		}
		if r.Status != nil {
			for _, p := range r.Status.Peers {
				if p.Name == r.Status.NodeName {
					meshAddr[p.Address] = r.Name
					meshPorts[portOf(p.Address)] = true
				}
			}
		}
	}
	if len(meshPorts) == 0 {
		meshPorts["9094"] = true
	}
	for a := range web {
		delete(meshPorts, portOf(a))
	}
	var out []wiring
	for _, p := range c.Prometheus {
		if p.Error != "" {
			continue
		}
		w := wiring{prom: p.Name, matched: map[string]bool{}}
		for _, a := range p.Active {
			hp := hostPort(a)
			if name, ok := web[strings.ToLower(hp)]; ok {
				w.matched[name] = true
				continue
			}
			if _, ok := meshAddr[hp]; ok || meshPorts[portOf(hp)] {
				w.meshPort = append(w.meshPort, a)
				continue
			}
			w.unmatched = append(w.unmatched, a)
		}
		out = append(out, w)
	}
	return out
}

// hostPort is the host:port of an Alertmanager URL as Prometheus lists it.
func hostPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	if u.Port() == "" {
		if u.Scheme == "https" {
			return net.JoinHostPort(u.Hostname(), "443")
		}
		return net.JoinHostPort(u.Hostname(), "80")
	}
	return u.Host
}

// listenPort is the port of the replica's --cluster.listen-address (known), else the
// default 9094.
func listenPort(r model.Replica) (port string, known bool) {
	if r.Flags != nil && r.Flags.ListenAddress != nil {
		if p := portOf(*r.Flags.ListenAddress); p != "" {
			return p, true
		}
	}
	return "9094", false
}

func portOf(hp string) string {
	_, p, err := net.SplitHostPort(hp)
	if err != nil {
		return ""
	}
	return p
}
