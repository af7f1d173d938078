package snippets

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Deriving: what runs, as a Spec and as the flags and environment of its container.

// ("" when the tag has none) and --cluster.peer-timeout. Timing beyond it is the default.
func LiveSpec(l Live) Spec {
	f := l.Found
	s := DefaultSpec()
	s.Namespace = f.Namespace
	s.Name = strings.TrimPrefix(f.Name, "alertmanager-")
	if f.Source == "prometheus-operator" {
		s.Name = f.OperatorName()
	}
	if s.Name == "" {
		s.Name = f.Name
	}
	s.Replicas = 1
	if r := f.StatefulSet.Spec.Replicas; r != nil {
		s.Replicas = int(*r)
	}
	c := f.AlertmanagerContainer()
	s.Version = imageVersion(c.Image)
	s.Timing.PeerTimeout = model.ParseArgs(append(slices.Clone(c.Command), c.Args...), nil).EffectivePeerTimeout()
	s.Governing = f.StatefulSet.Spec.ServiceName
	return s
}

var tagRE = regexp.MustCompile(`^v?(\d+\.\d+\.\d+)`)

// imageVersion is vX.Y.Z from an image's tag ("" without one).
func imageVersion(image string) string {
	image, _, _ = strings.Cut(image, "@")
	i := strings.LastIndex(image, ":")
	if i < 0 || strings.Contains(image[i:], "/") {
		return ""
	}
	m := tagRE.FindStringSubmatch(image[i+1:])
	if m == nil {
		return ""
	}
	return "v" + m[1]
}

// Patches compares the live cluster with what Generate(s) creates for it and returns what
// differs, each a Snippet of group "patch", then "patch-apply" with the commands in order; or
// one "patch-none" when nothing differs.
// ---- the --cluster.* flags ----

// Values from the downward API stand for themselves while comparing flags.
const (
	podIPMark   = "<pod-ip>"
	podNameMark = "<pod-name>"
)

// envRefs resolves $(VAR) in a container's args the way Kubernetes expands them.
type envRefs struct {
	canon    map[string]string
	ip, name string // env vars holding status.podIP and metadata.name ("" when none)
	names    map[string]bool
}

func readEnv(c *corev1.Container, namespace string) envRefs {
	e := envRefs{canon: map[string]string{}, names: map[string]bool{}}
	for _, v := range c.Env {
		e.names[v.Name] = true
		switch {
		case v.ValueFrom == nil:
			e.canon[v.Name] = v.Value
		case v.ValueFrom.FieldRef != nil:
			switch v.ValueFrom.FieldRef.FieldPath {
			case "status.podIP":
				e.canon[v.Name] = podIPMark
				if e.ip == "" {
					e.ip = v.Name
				}
			case "metadata.name":
				e.canon[v.Name] = podNameMark
				if e.name == "" {
					e.name = v.Name
				}
			case "metadata.namespace":
				e.canon[v.Name] = namespace
			}
		}
	}
	return e
}

var varRE = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)`)

// norm expands the container's $(VAR)s; the pod IP and name become podIPMark and podNameMark.
func (e envRefs) norm(v string) string {
	return varRE.ReplaceAllStringFunc(v, func(m string) string {
		if c, ok := e.canon[m[2:len(m)-1]]; ok {
			return c
		}
		return m
	})
}

// varFor is the env var to hold a downward API field: the container's own, else a free name.
func (e envRefs) varFor(existing string, names ...string) string {
	if existing != "" {
		return existing
	}
	for _, n := range names {
		if !e.names[n] {
			return n
		}
	}
	return names[len(names)-1]
}

func (e envRefs) ipVar() string   { return e.varFor(e.ip, "POD_IP", "AMHA_POD_IP") }
func (e envRefs) nameVar() string { return e.varFor(e.name, "POD_NAME", "AMHA_POD_NAME") }

// flagTok is one flag of the container's command line where it stands.
type flagTok struct {
	field string // "command" or "args"
	index int
	split bool // "--name" "value", two items
	name  string
	value string
}

func (t flagTok) String() string {
	if t.split {
		return "--" + t.name + " " + t.value
	}
	return "--" + t.name + "=" + t.value
}

func flagToks(c *corev1.Container) []flagTok {
	var out []flagTok
	for _, f := range []struct {
		field string
		items []string
	}{{"command", c.Command}, {"args", c.Args}} {
		for i := 0; i < len(f.items); i++ {
			a := f.items[i]
			if !strings.HasPrefix(a, "--") {
				continue
			}
			name, val, has := strings.Cut(a[2:], "=")
			t := flagTok{field: f.field, index: i, name: name, value: val}
			if !has {
				if !model.TakesValue(name) || i+1 >= len(f.items) {
					continue
				}
				t.split, t.value = true, f.items[i+1]
				i++
			}
			out = append(out, t)
		}
	}
	return out
}

// edit changes one flag: tok nil adds flag, flag "" removes tok, else tok becomes flag.
type edit struct {
	tok  *flagTok
	flag string
	why  string
}

func (e edit) name() string {
	if e.tok != nil {
		return e.tok.name
	}
	n, _, _ := strings.Cut(strings.TrimPrefix(e.flag, "--"), "=")
	return n
}

func (e edit) String() string {
	switch {
	case e.tok == nil:
		return "add " + e.flag
	case e.flag == "":
		return "remove " + e.tok.String()
	}
	return "replace " + e.tok.String() + " with " + e.flag
}

// wanted are Generate's cluster flags for s with the live env var names, by flag name.
func (p *livePatch) wanted() map[string]string {
	out := map[string]string{}
	r := strings.NewReplacer("$(POD_IP)", "$("+p.env.ipVar()+")", "$(POD_NAME)", "$("+p.env.nameVar()+")")
	for _, f := range flagValues(p.s) {
		name, v, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if name != "cluster.peer" {
			out[name] = r.Replace(v)
		}
	}
	return out
}

// peer is the --cluster.peer of replica i: its pod DNS name under the governing Service.
func (p *livePatch) peer(i int) string {
	return fmt.Sprintf("%s-%d.%s:%d", p.name(), i, p.svc, meshPort)
}

// peerOrdinal is the replica a peer value names by pod DNS name under the governing Service
// (short or qualified), or false.
func (p *livePatch) peerOrdinal(v string) (int, bool) {
	host, port, err := net.SplitHostPort(v)
	if err != nil || port != strconv.Itoa(meshPort) {
		return 0, false
	}
	pod, rest, ok := strings.Cut(strings.TrimSuffix(host, "."), ".")
	ord, isPod := strings.CutPrefix(pod, p.name()+"-")
	n, err := strconv.Atoi(ord)
	if !ok || !isPod || err != nil || n < 0 || strconv.Itoa(n) != ord {
		return 0, false
	}
	q := p.svc + "." + p.ns()
	if rest != p.svc && rest != q && rest != q+".svc" && !strings.HasPrefix(rest, q+".svc.") {
		return 0, false
	}
	return n, true
}

// planFlags compares the alertmanager container's --cluster.* flags with Generate's. It keeps
// what works although Generate writes it otherwise: a wildcard bind, the other IP:port form, an
// existing --cluster.label (changing one splits the mesh), the peer-timeout unless asked.
