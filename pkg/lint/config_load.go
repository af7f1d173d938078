package lint

import (
	"crypto/sha256"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	// time_intervals name IANA zones: resolve them as an Alertmanager with a zone database
	// does, whatever the linting machine has installed.
	_ "time/tzdata"

	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/featurecontrol"
	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/promslog"
	"gopkg.in/yaml.v3"
)

// The config/* checks read alertmanager.yml with Alertmanager's own loader (config.Load), so
// what they accept and refuse is what Alertmanager accepts and refuses. config.Load reads no
// file: *_file fields (secrets, passwords, URLs) and templates are read when a notification
// is sent or the configuration is applied, so a path missing on the linting machine is not
// an error here.

var initMatcherParsing sync.Once

// loadAM parses an alertmanager.yml as Alertmanager v0.34 does when started without
// --enable-feature: UTF-8 matchers with the classic parser as fallback.
func loadAM(raw string) (*amconfig.Config, error) {
	initMatcherParsing.Do(func() {
		compat.InitFromFlags(promslog.NewNopLogger(), featurecontrol.NoopFlags{})
	})
	return amconfig.Load(raw)
}

// amDoc is one alertmanager.yml of the set, loaded.
type amDoc struct {
	*AMConfig
	Cfg *amconfig.Config // nil when the loader refused it
	Err error
	// Lines is the loaded configuration re-marshalled and flattened to "path: value" lines:
	// comments, whitespace, key order and spelled-out defaults are gone. Secrets read <secret>.
	Lines []string
	// Secrets are the secret values by path (what <secret> hides), to compare them.
	Secrets map[string]string
	// Key identifies the loaded configuration, secrets included.
	Key string
	// Cluster is the workload that mounts this configuration ("" when none in the set does).
	Cluster *Workload
	// Derived is prometheus-operator's generated copy of a configuration also in the set.
	Derived bool
	// Repeat is set when an earlier configuration of the set loads to the same thing: the
	// same file mounted by several replicas is reported once.
	Repeat bool
	Tree   *dispatch.Route
	// RoutePaths are the field paths of the dispatch routes in the file.
	RoutePaths map[*dispatch.Route]string
}

// amDocs loads every alertmanager.yml of the set.
func amDocs(s *Set) []*amDoc {
	// Loaded once per set: every config/* check reads them, and loading is the costly part.
	if s.amDocs == nil {
		s.amDocs = loadAMDocs(s)
	}
	return s.amDocs
}

func loadAMDocs(s *Set) []*amDoc {
	out := []*amDoc{}
	seen := map[string]bool{}
	for _, c := range s.AMConfigs {
		d := &amDoc{AMConfig: c}
		d.Cfg, d.Err = loadAM(c.Raw)
		if d.Err == nil {
			d.Lines, d.Secrets = amCanonical(d.Cfg)
			d.Key = amCanonicalKey(d.Lines, d.Secrets)
			d.Tree = dispatch.NewRoute(d.Cfg.Route, nil)
			d.RoutePaths = map[*dispatch.Route]string{}
			var walk func(r *dispatch.Route, p string)
			walk = func(r *dispatch.Route, p string) {
				d.RoutePaths[r] = p
				for i, ch := range r.Routes {
					walk(ch, fmt.Sprintf("%s.routes[%d]", p, i))
				}
			}
			walk(d.Tree, "route")
		}
		d.Cluster = amMountedBy(s, c)
		out = append(out, d)
	}
	// The operator's generated secret is derived from the user's: not a second replica.
	for _, d := range out {
		if d.Cluster == nil || d.Cluster.Kind != "Alertmanager" || d.Owner == nil || !strings.HasSuffix(d.Owner.Name, "-generated") {
			continue
		}
		for _, e := range out {
			if e != d && e.Cluster == d.Cluster && e.Owner != nil && !strings.HasSuffix(e.Owner.Name, "-generated") {
				d.Derived = true
			}
		}
	}
	for _, d := range out {
		if d.Err != nil || d.Derived {
			continue
		}
		if seen[d.Key] {
			d.Repeat = true
		}
		seen[d.Key] = true
	}
	return out
}

// amMountedBy is the workload whose pods read this configuration: a StatefulSet or Deployment
// mounting its ConfigMap or Secret, or the prometheus-operator Alertmanager whose config
// secret it is. nil for plain files and unmounted objects.
func amMountedBy(s *Set, c *AMConfig) *Workload {
	if c.Owner == nil {
		return nil
	}
	o := c.Owner
	for _, w := range s.Workloads {
		if w.Object == nil || w.Namespace != o.Namespace {
			continue
		}
		if w.Kind == "Alertmanager" {
			if o.Kind != "Secret" {
				continue
			}
			src := w.Object.Root.Get("spec", "configSecret").String()
			if src == "" {
				src = "alertmanager-" + w.Name
			}
			if o.Name == src || o.Name == "alertmanager-"+w.Name+"-generated" {
				return w
			}
			continue
		}
		for _, v := range w.PodSpec.Get("volumes").Items() {
			if amVolumeNames(v, o.Kind)[o.Name] {
				return w
			}
		}
	}
	return nil
}

// amVolumeNames are the ConfigMaps or Secrets (kind) a pod volume reads.
func amVolumeNames(v Node, kind string) map[string]bool {
	out := map[string]bool{}
	if kind == "ConfigMap" {
		out[v.Get("configMap", "name").String()] = true
	} else {
		out[v.Get("secret", "secretName").String()] = true
	}
	for _, src := range v.Get("projected", "sources").Items() {
		if kind == "ConfigMap" {
			out[src.Get("configMap", "name").String()] = true
		} else {
			out[src.Get("secret", "name").String()] = true
		}
	}
	delete(out, "")
	return out
}

// amGroups are the configurations that should be identical because the same cluster runs
// them. Configurations mounted by different workloads belong to different clusters. Files that
// no workload of the set mounts are one cluster's when named one by one with -f, else grouped by
// their directory (a walk of envs/ finds dev/ and prod/: two environments, not two replicas);
// when there is one such group and at most one workload mounts a configuration, everything is
// one cluster's.
func amGroups(s *Set, docs []*amDoc) [][]*amDoc {
	byKey := map[string][]*amDoc{}
	var order []string
	mounted, dirs := 0, 0
	for _, d := range docs {
		if d.Err != nil || d.Derived {
			continue
		}
		k := amGroupKey(s, d)
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
			if d.Cluster != nil {
				mounted++
			} else {
				dirs++
			}
		}
		byKey[k] = append(byKey[k], d)
	}
	if mounted <= 1 && dirs <= 1 {
		var all []*amDoc
		for _, k := range order {
			all = append(all, byKey[k]...)
		}
		sort.SliceStable(all, func(i, j int) bool { return amDocIndex(docs, all[i]) < amDocIndex(docs, all[j]) })
		return [][]*amDoc{all}
	}
	var out [][]*amDoc
	for _, k := range order {
		out = append(out, byKey[k])
	}
	return out
}

// amGroupKey is what ties a configuration to its cluster: the workload that mounts it, else
// the directory of the file it is written in.
func amGroupKey(s *Set, d *amDoc) string {
	if d.Cluster != nil {
		return "workload " + d.Cluster.ID()
	}
	dir := filepath.Dir(filepath.FromSlash(d.Root.File))
	// A VM's unit beside the file that its --config.file names: that replica's cluster (the
	// command lines with its --cluster.label).
	if d.Owner == nil {
		for _, w := range s.Workloads {
			if w.Kind != "Command" || filepath.Dir(filepath.FromSlash(w.At.File)) != dir {
				continue
			}
			cfg := "alertmanager.yml"
			if w.Flags.ConfigFile != nil {
				cfg = *w.Flags.ConfigFile
			}
			if path.Base(filepath.ToSlash(cfg)) == filepath.Base(d.Root.File) {
				return "commands " + w.Group
			}
		}
	}
	// Files named one by one on the command line were given together: one cluster's. A
	// directory walk's files are grouped by their directory.
	if d.Owner == nil && d.Explicit {
		return "named"
	}
	return "dir " + dir
}

// ConfigGroup is a set of alertmanager.yml compared as the replicas of one cluster.
type ConfigGroup struct {
	Files []string `json:"files"`
	// By says what tied them: the workload that mounts them, or their directory.
	By string `json:"by"`
}

// ConfigGroups says how the alertmanager.yml of the set were grouped into clusters, when
// there are at least two of them (nil otherwise).
func ConfigGroups(s *Set) []ConfigGroup {
	docs := amDocs(s)
	groups := amGroups(s, docs)
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	if n < 2 {
		return nil
	}
	var out []ConfigGroup
	for _, g := range groups {
		cg := ConfigGroup{}
		for _, d := range g {
			cg.Files = append(cg.Files, d.Name)
		}
		switch k := amGroupKey(s, g[0]); {
		case len(groups) == 1:
			cg.By = "the only cluster"
		case strings.HasPrefix(k, "workload "):
			cg.By = "mounted by " + strings.TrimPrefix(k, "workload ")
		case k == "named":
			cg.By = "named together with -f"
		case strings.HasPrefix(k, "commands "):
			cg.By = "the command lines beside them"
			if l := strings.TrimPrefix(k, "commands "); l != "" {
				cg.By += " with --cluster.label=" + l
			}
		default:
			cg.By = "directory " + strings.TrimPrefix(k, "dir ")
		}
		out = append(out, cg)
	}
	return out
}

// amGroupOf is the group of configurations d is compared with.
func amGroupOf(s *Set, docs []*amDoc, d *amDoc) []*amDoc {
	for _, g := range amGroups(s, docs) {
		if slices.Contains(g, d) {
			return g
		}
	}
	return nil
}

func amDocIndex(docs []*amDoc, d *amDoc) int {
	for i, e := range docs {
		if e == d {
			return i
		}
	}
	return -1
}

// amReplicasOf is the number of Alertmanager replicas running configuration d (0 when the set
// does not tell): its workload's; else the only cluster's of the set; else, with no
// workload at all, the number of files given, which are taken as one cluster's replicas.
func amReplicasOf(s *Set, docs []*amDoc, d *amDoc) int {
	if d.Cluster != nil {
		return d.Cluster.Replicas
	}
	cs := s.Clusters()
	if len(cs) == 1 {
		return cs[0].Replicas()
	}
	if len(cs) > 0 {
		return 0
	}
	n := 0
	for _, e := range amGroupOf(s, docs, d) {
		if e.Cluster == nil {
			n++
		}
	}
	if n < 2 {
		return 0
	}
	return n
}

// amCanonical flattens the loaded configuration: Config.String (yaml.v2, secrets masked) read
// back and written as one "path: value" line per scalar, lists of scalars inline.
func amCanonical(cfg *amconfig.Config) ([]string, map[string]string) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(cfg.String()), &n); err != nil {
		return []string{"(cannot re-marshal: " + err.Error() + ")"}, nil
	}
	var lines []string
	amFlatten(resolveAlias(&n), "", &lines)
	secrets := map[string]string{}
	amSecretValues(reflect.ValueOf(cfg).Elem(), "", secrets)
	return lines, secrets
}

func amCanonicalKey(lines []string, secrets map[string]string) string {
	h := sha256.New()
	for _, l := range lines {
		fmt.Fprintln(h, l)
	}
	paths := make([]string, 0, len(secrets))
	for p := range secrets {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(h, "%s\x00%s\x00", p, secrets[p])
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func amFlatten(n *yaml.Node, path string, out *[]string) {
	n = resolveAlias(n)
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			*out = append(*out, path+": {}")
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			amFlatten(n.Content[i+1], joinPath(path, n.Content[i].Value), out)
		}
	case yaml.SequenceNode:
		scalars := make([]string, 0, len(n.Content))
		for _, it := range n.Content {
			if it.Kind != yaml.ScalarNode {
				scalars = nil
				break
			}
			scalars = append(scalars, amFlowScalar(it.Value))
		}
		if scalars != nil || len(n.Content) == 0 {
			*out = append(*out, path+": ["+strings.Join(scalars, ", ")+"]")
			return
		}
		for i, it := range n.Content {
			amFlatten(it, fmt.Sprintf("%s[%d]", path, i), out)
		}
	case yaml.ScalarNode:
		v := n.Value
		if strings.Contains(v, "\n") {
			v = strconv.Quote(v)
		}
		*out = append(*out, path+": "+v)
	}
}

func amFlowScalar(v string) string {
	if v == "" || strings.ContainsAny(v, ",[]{}\"'\n") || strings.TrimSpace(v) != v {
		return strconv.Quote(v)
	}
	return v
}

// amSecretToken is what Alertmanager writes for a secret it does not show.
const amSecretToken = "<secret>"

type amYAMLMarshaler interface{ MarshalYAML() (any, error) }

// amSecretValues records the values the re-marshalled configuration hides as <secret>, by the
// same paths amFlatten writes, so two configurations that differ only in a webhook URL or a
// token still differ.
func amSecretValues(v reflect.Value, path string, out map[string]string) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return
	}
	if !v.CanInterface() {
		return
	}
	if m, ok := v.Interface().(amYAMLMarshaler); ok {
		if r, err := m.MarshalYAML(); err == nil && r == amSecretToken {
			if s := amSecretString(v); s != "" {
				out[path] = s
			}
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" {
				continue
			}
			p := path
			if !strings.Contains(opts, "inline") {
				if name == "" {
					name = strings.ToLower(f.Name)
				}
				p = joinPath(path, name)
			}
			amSecretValues(v.Field(i), p, out)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			amSecretValues(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			amSecretValues(v.MapIndex(k), joinPath(path, fmt.Sprint(k.Interface())), out)
		}
	}
}

// amSecretString is a secret's value: a string type, or a URL wrapper.
func amSecretString(v reflect.Value) string {
	if v.Kind() == reflect.String {
		return v.String()
	}
	if v.Kind() == reflect.Struct {
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if !f.CanInterface() {
				continue
			}
			if u, ok := f.Interface().(*url.URL); ok && u != nil {
				return u.String()
			}
			if s := amSecretString(f); s != "" {
				return s
			}
		}
	}
	return ""
}

// configPathSteps splits a field path ("route.routes[0].matchers", `data["a.yml"]`) into the
// steps Node.Get takes.
func configPathSteps(p string) []any {
	var out []any
	for len(p) > 0 {
		switch p[0] {
		case '.':
			p = p[1:]
		case '[':
			end := strings.IndexByte(p, ']')
			if strings.HasPrefix(p, `["`) {
				if q, err := strconv.QuotedPrefix(p[1:]); err == nil {
					s, _ := strconv.Unquote(q)
					out = append(out, s)
					p = strings.TrimPrefix(p[1+len(q):], "]")
					continue
				}
			}
			if end < 0 {
				return out
			}
			if i, err := strconv.Atoi(p[1:end]); err == nil {
				out = append(out, i)
			}
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			out = append(out, p[:end])
			p = p[end:]
		}
	}
	return out
}

// configLocate is where path is written in the file: the key of its last field, else the item;
// for a path the file does not spell out, the nearest enclosing node that it does.
func configLocate(root Node, path string) Location {
	cur := root
	steps := configPathSteps(path)
	for i, st := range steps {
		next := cur.Get(st)
		if !next.Valid() {
			return next.LocOr(cur)
		}
		if k, ok := st.(string); ok && i == len(steps)-1 {
			return cur.Key(k).Loc()
		}
		cur = next
	}
	return cur.Loc()
}

// Watchdog alerts: an always-firing alert whose absence an outside service pages on.
var (
	watchdogNameRE = regexp.MustCompile(`(?i)^(watchdog|dead_?mans?_?(switch|snitch)|heartbeat|always_?firing)$`)
	watchdogNames  = []string{"Watchdog", "DeadMansSwitch", "DeadMansSnitch", "Heartbeat", "heartbeat", "AlwaysFiring"}
)

// watchdogAlertname is the Watchdog alert name a route's own matchers select, "" when they
// select none (or also select ordinary alerts).
func watchdogAlertname(ms labels.Matchers) string {
	for _, m := range ms {
		if m.Name != "alertname" {
			continue
		}
		switch m.Type {
		case labels.MatchEqual:
			if watchdogNameRE.MatchString(m.Value) {
				return m.Value
			}
		case labels.MatchRegexp:
			if m.Matches("KubePodCrashLooping") {
				continue
			}
			for _, n := range watchdogNames {
				if m.Matches(n) {
					return n
				}
			}
		}
	}
	return ""
}

// amRouteUse sorts the receivers a configuration routes to: used by some route, and used only
// by Watchdog routes (and their children), which get nothing but the heartbeat.
func amRouteUse(root *dispatch.Route) (used, watchdogOnly map[string]bool) {
	ordinary, watchdog := map[string]bool{}, map[string]bool{}
	var walk func(r *dispatch.Route, dog bool)
	walk = func(r *dispatch.Route, dog bool) {
		dog = dog || watchdogAlertname(r.Matchers) != ""
		if dog {
			watchdog[r.RouteOpts.Receiver] = true
		} else {
			ordinary[r.RouteOpts.Receiver] = true
		}
		for _, ch := range r.Routes {
			walk(ch, dog)
		}
	}
	walk(root, false)
	used, watchdogOnly = map[string]bool{}, map[string]bool{}
	for r := range ordinary {
		used[r] = true
	}
	for r := range watchdog {
		used[r] = true
		if !ordinary[r] {
			watchdogOnly[r] = true
		}
	}
	return used, watchdogOnly
}

// amcRoute is one route of a prometheus-operator AlertmanagerConfig (spec.route, nested
// routes), with the receiver it inherits.
type amcRoute struct {
	At       Node
	Receiver string
	Matchers labels.Matchers
	Watchdog bool // this route or a parent selects a Watchdog alert
}

// amcRoutes are the routes of an AlertmanagerConfig object, depth first.
func amcRoutes(o *Object) []amcRoute {
	var out []amcRoute
	var walk func(n Node, recv string, dog bool)
	walk = func(n Node, recv string, dog bool) {
		if !n.Valid() {
			return
		}
		if r := n.Get("receiver").String(); r != "" {
			recv = r
		}
		var ms labels.Matchers
		for _, m := range n.Get("matchers").Items() {
			t := labels.MatchEqual
			switch m.Get("matchType").String() {
			case "!=":
				t = labels.MatchNotEqual
			case "=~":
				t = labels.MatchRegexp
			case "!~":
				t = labels.MatchNotRegexp
			default:
				if re, _ := m.Get("regex").Bool(); re {
					t = labels.MatchRegexp
				}
			}
			if lm, err := labels.NewMatcher(t, m.Get("name").String(), m.Get("value").String()); err == nil {
				ms = append(ms, lm)
			}
		}
		dog = dog || watchdogAlertname(ms) != ""
		out = append(out, amcRoute{At: n, Receiver: recv, Matchers: ms, Watchdog: dog})
		for _, ch := range n.Get("routes").Items() {
			walk(ch, recv, dog)
		}
	}
	walk(o.Root.Get("spec", "route"), "", false)
	return out
}

// alertmanagerConfigs are the prometheus-operator AlertmanagerConfig objects of the set.
func alertmanagerConfigs(s *Set) []*Object {
	var out []*Object
	for _, o := range s.Objects {
		if o.Kind == "AlertmanagerConfig" && o.Group() == "monitoring.coreos.com" {
			out = append(out, o)
		}
	}
	return out
}
