package lint

import (
	"encoding/base64"
	"fmt"
	"path"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// clusterTLSNoClientAuth: the gossip TLS server side (exporter-toolkit's tls_server_config in
// the --cluster.tls-config file, cluster/tls_config.go) asks for no client certificate by
// default; only client_auth_type: RequireAndVerifyClientCert makes it mutual TLS (ha-facts,
// flags table). Without it the mesh is encrypted but anyone who reaches the cluster port can join.
type clusterTLSNoClientAuth struct{}

func (clusterTLSNoClientAuth) ID() string { return "cluster/tls-no-client-auth" }

const clusterMutualTLS = "RequireAndVerifyClientCert"

func (c clusterTLSNoClientAuth) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range s.Workloads {
		if !w.Clustered() {
			continue
		}
		if w.Kind == "Alertmanager" {
			if f, ok := c.operator(w); ok {
				out = append(out, f)
			}
			continue
		}
		a := w.Arg("cluster.tls-config")
		if a == nil || a.Value == "" {
			continue
		}
		src, doc, ok := clusterTLSFile(s, w, a.Value)
		if !ok {
			continue // the file's content is not in the inputs
		}
		server := doc.Get("tls_server_config")
		if !server.Valid() {
			continue // Alertmanager refuses the file: not this check's business
		}
		cat := server.Get("client_auth_type")
		if cat.String() == clusterMutualTLS {
			continue
		}
		what := "has no client_auth_type, which means NoClientCert"
		if cat.Valid() {
			what = "has client_auth_type: " + cat.String()
		}
		out = append(out, model.Finding{
			ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Insecure},
			Objects: []string{w.ID(), src},
			Message: fmt.Sprintf("The tls_server_config of --cluster.tls-config=%s (%s) %s. The gossip is encrypted but not authenticated: %s, "+
				"read the notification log and silences, and write silences that mute alerts on every replica (issue 5186).", a.Value, src, what, clusterTLSWho(cat.String(), w)),
			Fix: "In tls_server_config set client_auth_type: " + clusterMutualTLS + " and client_ca_file to the CA of the replicas' certificates; " +
				"tls_client_config must present cert_file and key_file signed by that CA, or the replicas reject each other. Change all replicas together.",
			Locations: []Location{a.At.Loc(), clusterEmbeddedLoc(cat.LocOr(server), server)},
		})
	}
	return out
}

// operator checks spec.clusterTLS.server.clientAuthType of a prometheus-operator object.
func (c clusterTLSNoClientAuth) operator(w *Workload) (model.Finding, bool) {
	tls := w.PodSpec.Get("clusterTLS")
	if !tls.Valid() {
		return model.Finding{}, false
	}
	server := tls.Get("server")
	cat := server.Get("clientAuthType")
	if cat.String() == clusterMutualTLS {
		return model.Finding{}, false
	}
	what := "spec.clusterTLS.server has no clientAuthType (NoClientCert)"
	if cat.Valid() {
		what = "spec.clusterTLS.server.clientAuthType is " + cat.String()
	}
	return model.Finding{
		ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Insecure},
		Objects: []string{w.ID()},
		Message: fmt.Sprintf("In %s, %s: the gossip is encrypted but not authenticated, so %s, "+
			"read the notification log and silences, and write silences that mute alerts on every replica (issue 5186).", w.ID(), what, clusterTLSWho(cat.String(), w)),
		Fix:       "Set spec.clusterTLS.server.clientAuthType: " + clusterMutualTLS + " with server.client_ca (the CA of the client certificates) and spec.clusterTLS.client.cert/keySecret signed by it.",
		Locations: []Location{cat.LocOr(server.LocNode(tls))},
	}, true
}

// clusterTLSWho says who can join with this client_auth_type. exporter-toolkit
// (web/tls_config.go) accepts "RequireClientCert" as the old name of "RequireAnyClientCert":
// both take any certificate, without checking it against a CA. The port is w's cluster port.
func clusterTLSWho(clientAuthType string, w *Workload) string {
	switch clientAuthType {
	case "RequireAnyClientCert", "RequireClientCert":
		return fmt.Sprintf("anyone who reaches port %d with any certificate, even a self-signed one, can join", k8sMeshPort(w))
	}
	return fmt.Sprintf("anyone who reaches port %d can join without a certificate", k8sMeshPort(w))
}

// clusterTLSFile finds the content of a --cluster.tls-config file in the Set: for a command
// line, the file among the inputs or next to it (Set.TLSFiles); else through the
// container's volume mounts to a ConfigMap or Secret key, else any ConfigMap or Secret key of
// that base name holding a TLS transport config. src names where it was found.
func clusterTLSFile(s *Set, w *Workload, file string) (src string, doc Node, ok bool) {
	if w.Kind == "Command" {
		return s.tlsInput(file)
	}
	var want []struct{ kind, name, key string }
	for _, m := range w.Container.Get("volumeMounts").Items() {
		mp := strings.TrimSuffix(m.Get("mountPath").String(), "/")
		sub := m.Get("subPath").String()
		var rel string
		switch {
		case mp == "":
			continue
		case sub != "" && mp == file:
			rel = sub // one key mounted as the file itself
		case sub == "" && strings.HasPrefix(file, mp+"/"):
			rel = strings.TrimPrefix(file, mp+"/")
		default:
			continue
		}
		for _, v := range w.PodSpec.Get("volumes").Items() {
			if v.Get("name").String() != m.Get("name").String() {
				continue
			}
			for kind, field := range map[string]string{"ConfigMap": "configMap", "Secret": "secret"} {
				for name := range clusterVolumeNames(v, kind) {
					key := rel
					for _, it := range v.Get(field, "items").Items() {
						if it.Get("path").String() == rel {
							key = it.Get("key").String()
						}
					}
					want = append(want, struct{ kind, name, key string }{kind, name, key})
				}
			}
		}
	}
	for _, wt := range want {
		for _, o := range s.Objects {
			if o.Kind != wt.kind || o.Name != wt.name || (o.Namespace != "" && w.Namespace != "" && o.Namespace != w.Namespace) {
				continue
			}
			if d, ok := clusterObjectKey(o, wt.key); ok {
				return o.ID() + " key " + wt.key, d, true
			}
		}
	}
	if len(want) > 0 {
		return "", Node{}, false
	}
	base := path.Base(file)
	for _, o := range s.Objects {
		if o.Kind != "ConfigMap" && o.Kind != "Secret" {
			continue
		}
		if d, ok := clusterObjectKey(o, base); ok && d.Get("tls_server_config").Valid() {
			return o.ID() + " key " + base, d, true
		}
	}
	return "", Node{}, false
}

// clusterColumnUnknown marks a node inside a literal block whose indentation is not known
// here (the Set keeps no file text): its locations carry the line only.
const clusterColumnUnknown = -1 << 20

func clusterEmbeddedLoc(l Location, n Node) Location {
	if n.ColOffset == clusterColumnUnknown {
		l.Column = 0
	}
	return l
}

// clusterObjectKey parses one data/stringData key of a ConfigMap or Secret as YAML, keeping
// positions: lines inside a literal block are the file's lines (the column is not known);
// other styles point at the key's value.
func clusterObjectKey(o *Object, key string) (Node, bool) {
	for _, field := range []string{"stringData", "data"} {
		v := o.Root.Get(field, key)
		if !v.Valid() {
			continue
		}
		text := v.String()
		encoded := o.Kind == "Secret" && field == "data"
		if encoded {
			b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
			if err != nil {
				return Node{}, false
			}
			text = string(b)
		}
		var d yaml.Node
		if err := yaml.Unmarshal([]byte(text), &d); err != nil {
			return Node{}, false
		}
		inner := Node{N: resolveAlias(&d), File: v.File, Object: o.ID() + " " + field + "[" + strconv.Quote(key) + "]", Live: v.Live}
		if inner.N == nil || inner.N.Kind != yaml.MappingNode {
			return Node{}, false
		}
		if encoded || v.N.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			inner.Outer = ptr(v.Loc())
		} else {
			inner.LineOffset = v.N.Line + v.LineOffset
			inner.ColOffset = clusterColumnUnknown
		}
		return inner, true
	}
	return Node{}, false
}
