package snippets

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

// Planning: the edits that make what runs match Generate, object by object, each as a patch
// file and the steps of patch-apply.sh.

func Patches(l Live, s Spec) ([]Snippet, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	p, err := newLivePatch(l, s)
	if err != nil {
		return nil, err
	}
	return p.snippets()
}

// livePatch holds what the comparison needs about one live cluster.
type livePatch struct {
	l   Live
	s   Spec
	sts *appsv1.StatefulSet
	ci  int // index of the alertmanager container
	c   *corev1.Container
	svc string // governing Service
	// noServiceName: the StatefulSet names no governing Service; svc is the one to create.
	noServiceName bool
	sel           *metav1.LabelSelector
	podLabels     labels.Set
	env           envRefs
	operator      bool

	out   []Snippet
	steps []step
	notes []string // what differs but is not amha's to patch
	// splits: the patch adds --cluster.label, so the mesh is split while the pods roll.
	splits bool
}

// step is one entry of patch-apply: why, then the commands.
type step struct {
	title string
	cmds  []string
	// afterRollout steps run once the StatefulSet has rolled out (the NetworkPolicy).
	afterRollout bool
}

func newLivePatch(l Live, s Spec) (*livePatch, error) {
	f := l.Found
	if f.StatefulSet == nil {
		return nil, fmt.Errorf("cluster %s/%s: no StatefulSet", f.Namespace, f.Name)
	}
	p := &livePatch{l: l, s: s, sts: f.StatefulSet, ci: -1, operator: f.Source == "prometheus-operator"}
	for i := range p.sts.Spec.Template.Spec.Containers {
		if p.sts.Spec.Template.Spec.Containers[i].Name == f.Container {
			p.ci, p.c = i, &p.sts.Spec.Template.Spec.Containers[i]
		}
	}
	if p.c == nil {
		return nil, fmt.Errorf("StatefulSet %s/%s: no container %q", f.Namespace, f.Name, f.Container)
	}
	p.svc = p.sts.Spec.ServiceName
	if p.svc == "" {
		p.svc, p.noServiceName = s.Service(), true
	}
	p.sel = p.sts.Spec.Selector
	if p.sel == nil {
		p.sel = &metav1.LabelSelector{MatchLabels: p.sts.Spec.Template.Labels}
	}
	p.podLabels = labels.Set(p.sts.Spec.Template.Labels)
	p.env = readEnv(p.c, f.Namespace)
	return p, nil
}

func (p *livePatch) ns() string   { return p.l.Found.Namespace }
func (p *livePatch) name() string { return p.sts.Name }

func (p *livePatch) snippets() ([]Snippet, error) {
	edits := p.planFlags()
	if err := p.service(); err != nil {
		return nil, err
	}
	if err := p.pdb(); err != nil {
		return nil, err
	}
	var err error
	if p.operator {
		err = p.alertmanagerObject(edits)
	} else {
		err = p.statefulSet(edits)
	}
	if err != nil {
		return nil, err
	}
	if err := p.networkPolicy(); err != nil {
		return nil, err
	}
	if len(p.out) == 0 {
		return []Snippet{p.none()}, nil
	}
	return append(p.out, p.apply()), nil
}

func (p *livePatch) add(id, title, file, content string) {
	p.out = append(p.out, Snippet{ID: id, Group: "patch", Title: title, File: file, Content: content})
}

func (p *livePatch) planFlags() []edit {
	by := map[string][]*flagTok{}
	toks := flagToks(p.c)
	for i := range toks {
		if strings.HasPrefix(toks[i].name, "cluster.") {
			by[toks[i].name] = append(by[toks[i].name], &toks[i])
		}
	}
	var out []edit
	names := slices.Sorted(maps.Keys(by))
	for _, n := range names {
		if n == "cluster.peer" {
			continue
		}
		for _, t := range by[n][1:] {
			out = append(out, edit{tok: t, why: "given twice: Alertmanager refuses a repeated flag at start; the first stays"})
		}
	}
	first := func(n string) *flagTok {
		if ts := by[n]; len(ts) > 0 {
			return ts[0]
		}
		return nil
	}
	set := func(t *flagTok, flag, why string) { out = append(out, edit{tok: t, flag: flag, why: why}) }
	want := p.wanted()
	norm := p.env.norm

	if p.s.Replicas == 1 {
		if t := first("cluster.listen-address"); t == nil || norm(t.value) != "" {
			set(t, "--cluster.listen-address=", "One replica: clustering off, as prometheus-operator does; otherwise the "+
				"default 0.0.0.0:9094 listens for peers that never come. One replica is not HA: ask for --replicas 3.")
		}
		for _, t := range by["cluster.peer"] {
			set(t, "", "clustering is off with one replica: the peer list would only mislead")
		}
		return out
	}

	// Bind: the pod IP or a wildcard on 9094; empty turns clustering off.
	listen := first("cluster.listen-address")
	onPodIP, listenChanged := false, false
	if listen != nil {
		v := norm(listen.value)
		host, port, err := net.SplitHostPort(v)
		why := ""
		switch {
		case v == "":
			why = "empty: clustering is off, --cluster.peer is silently ignored and every replica notifies on its own " +
				"(status \"disabled\"). Bind the mesh port on the pod IP, TCP and UDP."
		case err != nil || port != strconv.Itoa(meshPort):
			why = "the mesh port is 9094 on every replica: the peers, the Service and the NetworkPolicy name it"
		case host == podIPMark:
			onPodIP = true
		case host == "" || host == "0.0.0.0" || host == "::":
		case net.ParseIP(host) != nil:
			why = "a fixed IP is one pod's at most: bind on the pod IP"
		default:
			why = "a hostname here only warns, binds all interfaces and advertises an unroutable [::]:9094: bind on the pod IP"
		}
		if why != "" {
			set(listen, "--cluster.listen-address="+want["cluster.listen-address"], why)
			onPodIP, listenChanged = true, true
		}
	}

	// Advertise: the pod IP. Needed unless the live bind is already on the pod IP.
	adv := first("cluster.advertise-address")
	advWant := "--cluster.advertise-address=" + want["cluster.advertise-address"]
	if adv == nil || norm(adv.value) == "" {
		if !onPodIP || listenChanged {
			set(adv, advWant, "Advertise the pod IP. With a wildcard bind and no advertise address Alertmanager looks for a "+
				"private (RFC 1918) IP and refuses to start (\"No private IP found\") where pod IPs are not private.")
		}
	} else {
		host, port, err := net.SplitHostPort(norm(adv.value))
		why := ""
		switch {
		case err != nil:
			why = "must be IP:port; anything else is fatal at start"
		case host == podIPMark && port == strconv.Itoa(meshPort):
		case host == podIPMark:
			why = "the mesh port is 9094"
		case net.ParseIP(host) != nil:
			why = "a fixed IP: every replica would advertise the same address"
		default:
			why = "must be IP:port: a hostname is fatal at start"
		}
		if why != "" {
			set(adv, advWant, why)
		}
	}

	// Peers: one per replica, itself included, by pod DNS name under the governing Service.
	have := map[int]bool{}
	var wrong []*flagTok
	var wrongWhy []string
	for _, t := range by["cluster.peer"] {
		v := norm(t.value)
		n, ok := p.peerOrdinal(v)
		switch {
		case !ok:
			wrong = append(wrong, t)
			wrongWhy = append(wrongWhy, fmt.Sprintf("%s is not a pod of StatefulSet %s by its DNS name under the governing "+
				"Service %s (a name that resolves to a ClusterIP or load balancer is re-joined forever)", t.value, p.name(), p.svc))
		case n >= p.s.Replicas:
			wrong = append(wrong, t)
			wrongWhy = append(wrongWhy, fmt.Sprintf("%s names replica %d of %d", t.value, n, p.s.Replicas))
		case have[n]:
			wrong = append(wrong, t)
			wrongWhy = append(wrongWhy, fmt.Sprintf("%s names replica %d again", t.value, n))
		default:
			have[n] = true
		}
	}
	for i := range p.s.Replicas {
		if have[i] {
			continue
		}
		why := fmt.Sprintf("replica %d is not among the peers: one --cluster.peer per replica, itself included, by pod DNS "+
			"name under the headless Service %s (re-resolved every 15s)", i, p.svc)
		var t *flagTok
		if len(wrong) > 0 {
			t, wrong = wrong[0], wrong[1:]
			why = wrongWhy[0] + "; " + why
			wrongWhy = wrongWhy[1:]
		}
		set(t, "--cluster.peer="+p.peer(i), why)
	}
	for i, t := range wrong {
		set(t, "", wrongWhy[i])
	}

	// Peer name: the pod name, from v0.30; older versions refuse the flag.
	pn := first("cluster.peer-name")
	if p.s.minor() >= 30 {
		if pn == nil || norm(pn.value) != podNameMark {
			set(pn, "--cluster.peer-name="+want["cluster.peer-name"], "Stable member names (v0.30+): positions follow "+
				"the pod ordinal instead of start order (default names are random ULIDs, so a restarted replica goes last).")
		}
	} else if pn != nil {
		set(pn, "", fmt.Sprintf("--cluster.peer-name exists from v0.30: %s refuses it at start", p.s.Version))
	}

	// Label: added when missing; an existing one stays (changing it splits the mesh).
	if t := first("cluster.label"); t == nil || norm(t.value) == "" {
		p.splits = true
		set(t, "--cluster.label="+want["cluster.label"], "Packets with another label are dropped, so two clusters never "+
			"merge when pod IPs are reused. Labelled and unlabelled replicas cannot talk: until the rollout ends the mesh "+
			"is split in two and both sides notify (duplicates, not misses).")
	}

	if t := first("cluster.reconnect-timeout"); t == nil || !sameDuration(norm(t.value), want["cluster.reconnect-timeout"]) {
		set(t, "--cluster.reconnect-timeout="+want["cluster.reconnect-timeout"], "Forget a failed peer after 5m instead "+
			"of 6h, as prometheus-operator does: pod IPs churn, and a gone IP would be re-joined for hours.")
	}

	pt := first("cluster.peer-timeout")
	wantPT := p.s.Params().PeerTimeout
	cur := model.DefaultPeerTimeout
	if pt != nil {
		cur = -1
		if d, err := time.ParseDuration(norm(pt.value)); err == nil {
			cur = d
		}
	}
	if cur != wantPT {
		set(pt, "--cluster.peer-timeout="+want["cluster.peer-timeout"], fmt.Sprintf("asked for: each replica waits "+
			"position x this before it sends, so it must be the same on every replica; the last waits %s.",
			timing.Format(p.s.Params().LastWait())))
	}
	return out
}

func sameDuration(a, b string) bool {
	x, err1 := time.ParseDuration(a)
	y, err2 := time.ParseDuration(b)
	return err1 == nil && err2 == nil && x == y
}

// envNeeded are the downward API variables the edited flags use and the container lacks.
func (p *livePatch) envNeeded(edits []edit) []corev1.EnvVar {
	var out []corev1.EnvVar
	for _, need := range []struct {
		have, name, path string
	}{{p.env.ip, p.env.ipVar(), "status.podIP"}, {p.env.name, p.env.nameVar(), "metadata.name"}} {
		if need.have != "" {
			continue
		}
		for _, e := range edits {
			if strings.Contains(e.flag, "$("+need.name+")") {
				out = append(out, corev1.EnvVar{Name: need.name, ValueFrom: &corev1.EnvVarSource{
					FieldRef: &corev1.ObjectFieldSelector{FieldPath: need.path}}})
				break
			}
		}
	}
	return out
}

// ---- JSON patch (RFC 6902) ----

type jsonOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value,omitempty"`
}

func raw(v any) json.RawMessage {
	j, err := json.Marshal(v)
	if err != nil {
		panic(err) // only k8s.io/api types and strings
	}
	var m any
	if err := json.Unmarshal(j, &m); err != nil {
		panic(err)
	}
	j, _ = json.Marshal(prune(m))
	return j
}

func op(o, path string, v any) jsonOp {
	if v == nil {
		return jsonOp{Op: o, Path: path}
	}
	return jsonOp{Op: o, Path: path, Value: raw(v)}
}

// argOps are the JSON patch of the container's flags, env and spec.replicas, indexing the
// arrays as they are: every value replaced or removed is tested first, so a StatefulSet that
// changed since it was read makes kubectl refuse the patch instead of editing the wrong items.
func (p *livePatch) argOps(edits []edit, env []corev1.EnvVar) []jsonOp {
	base := fmt.Sprintf("/spec/template/spec/containers/%d", p.ci)
	ops := []jsonOp{op("test", base+"/name", p.c.Name)}
	if r := p.sts.Spec.Replicas; r == nil {
		ops = append(ops, op("add", "/spec/replicas", p.s.Replicas))
	} else if int(*r) != p.s.Replicas {
		ops = append(ops, op("test", "/spec/replicas", *r), op("replace", "/spec/replicas", p.s.Replicas))
	}
	if len(env) > 0 && len(p.c.Env) == 0 {
		ops = append(ops, op("add", base+"/env", env))
	} else {
		for _, e := range env {
			ops = append(ops, op("add", base+"/env/-", e))
		}
	}
	items := func(field string) []string {
		if field == "command" {
			return p.c.Command
		}
		return p.c.Args
	}
	var removes []*flagTok
	var adds []string
	for _, e := range edits {
		switch {
		case e.tok == nil:
			adds = append(adds, e.flag)
		case e.flag == "":
			removes = append(removes, e.tok)
		default:
			i, v := e.tok.index, e.flag
			if e.tok.split {
				i++
				_, v, _ = strings.Cut(e.flag, "=")
			}
			path := fmt.Sprintf("%s/%s/%d", base, e.tok.field, i)
			ops = append(ops, op("test", path, items(e.tok.field)[i]), op("replace", path, v))
		}
	}
	sort.Slice(removes, func(a, b int) bool {
		if removes[a].field != removes[b].field {
			return removes[a].field < removes[b].field
		}
		return removes[a].index > removes[b].index
	})
	for _, t := range removes {
		path := func(i int) string { return fmt.Sprintf("%s/%s/%d", base, t.field, i) }
		ops = append(ops, op("test", path(t.index), items(t.field)[t.index]))
		if t.split {
			ops = append(ops, op("test", path(t.index+1), items(t.field)[t.index+1]), op("remove", path(t.index+1), nil))
		}
		ops = append(ops, op("remove", path(t.index), nil))
	}
	if len(adds) > 0 && len(p.c.Args) == 0 {
		ops = append(ops, op("add", base+"/args", adds))
	} else {
		for _, a := range adds {
			ops = append(ops, op("add", base+"/args/-", a))
		}
	}
	return ops
}

// spreadOps add topology spread (and, with zones, node affinity) when the pods have neither
// spread constraints nor pod anti-affinity.
func (p *livePatch) spreadOps() ([]jsonOp, []string) {
	ps := p.sts.Spec.Template.Spec
	aff := ps.Affinity
	if p.s.Replicas < 2 || len(ps.TopologySpreadConstraints) > 0 || (aff != nil && aff.PodAntiAffinity != nil) {
		return nil, nil
	}
	sp := p.spread()
	ops := []jsonOp{op("add", "/spec/template/spec/topologySpreadConstraints", sp)}
	lines := []string{fmt.Sprintf("spread the %d replicas over nodes and zones (%s)", p.s.Replicas, spreadNote(p.s))}
	if za := p.s.zoneAffinity(); za != nil {
		switch {
		case aff == nil:
			ops = append(ops, op("add", "/spec/template/spec/affinity", za))
		case aff.NodeAffinity == nil:
			ops = append(ops, op("add", "/spec/template/spec/affinity/nodeAffinity", za.NodeAffinity))
		default:
			p.notes = append(p.notes, "the pods have a node affinity already: keep them in zones "+strings.Join(p.s.Zones, ", ")+" there")
		}
		lines = append(lines, "keep the pods in zones "+strings.Join(p.s.Zones, ", "))
	}
	return ops, lines
}

func (p *livePatch) spread() []corev1.TopologySpreadConstraint {
	sp := p.s.spread(nil)
	for i := range sp {
		sp[i].LabelSelector = p.sel.DeepCopy()
	}
	return sp
}

func spreadNote(s Spec) string {
	if len(s.Zones) > 0 {
		return "at most one more in any of zones " + strings.Join(s.Zones, ", ") + ", as evenly as possible over nodes"
	}
	return "as evenly as the nodes and their zone labels allow; nothing is left unscheduled for it"
}

// ---- the StatefulSet (written by hand or by Helm) ----

func (p *livePatch) statefulSet(edits []edit) error {
	env := p.envNeeded(edits)
	argOps := p.argOps(edits, env)
	spreadOps, spreadLines := p.spreadOps()
	rollout := "Applying it changes the pod template: the StatefulSet restarts the pods one at a time, highest ordinal first."
	if p.sts.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		rollout = "updateStrategy OnDelete: nothing restarts until you delete the pods, one at a time, waiting for each to be Ready."
	}
	owner := ""
	if p.l.Found.Source == "helm" {
		owner = " Helm renders this StatefulSet: the next helm upgrade puts the chart's template back, so carry the change into the release's values too."
	}
	cmd := func(ops []jsonOp) string {
		return fmt.Sprintf("kubectl patch statefulset %s -n %s --type json -p %s\n", p.name(), p.ns(), shellQuote(renderOps(ops)))
	}
	var stsSteps []step
	if len(argOps) > 1 {
		var lines []string
		if p.sts.Spec.Replicas != nil && int(*p.sts.Spec.Replicas) != p.s.Replicas {
			lines = append(lines, fmt.Sprintf("scale from %d to %d replicas (asked for)", *p.sts.Spec.Replicas, p.s.Replicas))
		}
		for _, e := range env {
			lines = append(lines, fmt.Sprintf("add env %s from the downward API (%s): Kubernetes expands $(%s) in args only "+
				"for the container's own env vars", e.Name, e.ValueFrom.FieldRef.FieldPath, e.Name))
		}
		for _, e := range edits {
			lines = append(lines, e.String()+": "+e.why)
		}
		header := fmt.Sprintf("StatefulSet %s/%s, container %s: the cluster flags of Alertmanager %s for %d replicas, as "+
			"cluster-flags.txt explains them. Every other argument stays as it is; the items are addressed by index and "+
			"tested first, so kubectl refuses the patch if the StatefulSet changed since amha read it. %s%s",
			p.ns(), p.name(), p.c.Name, p.s.Version, p.s.Replicas, rollout, owner)
		p.add("patch-statefulset-args", "StatefulSet "+p.name()+": the --cluster.* flags (JSON patch)", "patch-statefulset-args.sh",
			bullets(header, lines)+cmd(argOps))
		stsSteps = append(stsSteps, step{title: "StatefulSet " + p.name() + ": the cluster flags", cmds: []string{"sh ./patch-statefulset-args.sh"}})
	}
	if len(spreadOps) > 0 {
		header := fmt.Sprintf("StatefulSet %s/%s has no topology spread and no pod anti-affinity: replicas may share a node or "+
			"a zone and go down together. %s", p.ns(), p.name(), rollout)
		p.add("patch-spread", "StatefulSet "+p.name()+": spread the replicas over nodes and zones", "patch-spread.sh",
			bullets(header, spreadLines)+cmd(spreadOps))
		stsSteps = append(stsSteps, step{title: "StatefulSet " + p.name() + ": topology spread", cmds: []string{"sh ./patch-spread.sh"}})
	}

	var immutable []string
	if p.sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		immutable = append(immutable, "podManagementPolicy Parallel: every replica starts at once and they find each other by "+
			"DNS; with OrderedReady a replica waits for the one before it to be Ready, so a full restart comes up one by one")
	}
	if p.noServiceName {
		immutable = append(immutable, "serviceName "+p.svc+": without a governing Service the pods have no DNS names "+
			"for --cluster.peer")
	}
	if len(immutable) == 0 {
		p.steps = append(p.steps, stsSteps...)
		return nil
	}
	y, err := p.recreated(append(argOps, spreadOps...))
	if err != nil {
		return err
	}
	header := fmt.Sprintf("StatefulSet %s/%s recreated. These fields are immutable on a StatefulSet, so kubectl patch "+
		"cannot change them: delete the StatefulSet object alone with --cascade=orphan (its pods and volumes keep running), "+
		"then apply this file; the new StatefulSet adopts the running pods. %s This is the live object as amha read it, "+
		"with every StatefulSet change above applied (patch-statefulset-args, patch-spread): run this instead of them, and "+
		"run amha again if the StatefulSet changed since.", p.ns(), p.name(), rolloutIf(len(argOps) > 1 || len(spreadOps) > 0, rollout))
	p.add("patch-recreate", "StatefulSet "+p.name()+": recreate for immutable fields", "patch-recreate.yaml", bullets(header, immutable)+y)
	p.steps = append(p.steps, step{title: "StatefulSet " + p.name() + ": recreate (immutable fields; carries the flag and spread changes)", cmds: []string{
		fmt.Sprintf("kubectl get statefulset %s -n %s -o yaml > %s.backup.yaml", p.name(), p.ns(), p.name()),
		fmt.Sprintf("kubectl delete statefulset %s -n %s --cascade=orphan", p.name(), p.ns()),
		"kubectl apply -f patch-recreate.yaml",
	}})
	return nil
}

func rolloutIf(changed bool, rollout string) string {
	if changed {
		return rollout
	}
	return "The pod template is unchanged, so no pod restarts."
}

// recreated is the live StatefulSet with ops applied, the immutable fields set, and what
// only the server writes removed.
func (p *livePatch) recreated(ops []jsonOp) (string, error) {
	live, err := json.Marshal(p.sts)
	if err != nil {
		return "", err
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		return "", err
	}
	dec, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		return "", err
	}
	j, err := dec.Apply(live)
	if err != nil {
		return "", fmt.Errorf("StatefulSet %s/%s: the patch does not apply: %w", p.ns(), p.name(), err)
	}
	var sts appsv1.StatefulSet
	if err := json.Unmarshal(j, &sts); err != nil {
		return "", err
	}
	annotations := maps.Clone(sts.Annotations)
	delete(annotations, corev1.LastAppliedConfigAnnotation)
	out := appsv1.StatefulSet{
		TypeMeta:   meta("StatefulSet", "apps/v1"),
		ObjectMeta: metav1.ObjectMeta{Name: sts.Name, Namespace: sts.Namespace, Labels: sts.Labels, Annotations: annotations},
		Spec:       sts.Spec,
	}
	out.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
	out.Spec.ServiceName = p.svc
	y, err := marshal(&out)
	return string(y), err
}

// ---- the governing Service ----

func (p *livePatch) service() error {
	if p.s.Replicas < 2 {
		return nil
	}
	name := p.svc
	if p.unread("Services") {
		return nil
	}
	var live *corev1.Service
	for i := range p.l.Services {
		if p.l.Services[i].Name == name {
			live = &p.l.Services[i]
		}
	}
	if live == nil {
		svc := p.headless(nil, name)
		y, err := marshal(svc)
		if err != nil {
			return err
		}
		p.add("patch-service", "Governing Service "+name+": create it headless", "patch-service.yaml",
			comment(fmt.Sprintf("Service %s/%s, which StatefulSet %s names as its governing Service, does not exist: the pods "+
				"have no DNS names, so no --cluster.peer resolves. Headless (clusterIP None) so <pod>.%s resolves to each pod; "+
				"publishNotReadyAddresses so peers resolve before they are Ready; 9094 over TCP and UDP, memberlist needs both.",
				p.ns(), name, p.name(), name), "")+string(y))
		p.steps = append(p.steps, step{title: "Governing Service " + name + ": create", cmds: []string{"kubectl apply -f patch-service.yaml"}})
		return nil
	}
	var lines []string
	fix := map[string]any{}
	if !selects(&metav1.LabelSelector{MatchLabels: live.Spec.Selector}, p.podLabels) || len(live.Spec.Selector) == 0 {
		lines = append(lines, "selector: it does not select the pods, so they get no DNS names; set to the StatefulSet's pod labels")
		fix["selector"] = p.podSelectorLabels()
	}
	if !live.Spec.PublishNotReadyAddresses {
		lines = append(lines, "publishNotReadyAddresses: true: replicas starting together must resolve each other before any is "+
			"Ready, and a replica failing its probe stays in the mesh")
		fix["publishNotReadyAddresses"] = true
	}
	ports, missing := p.servicePorts(live.Spec.Ports)
	if len(missing) > 0 {
		lines = append(lines, "ports: add "+strings.Join(missing, " and ")+": memberlist uses both TCP and UDP on 9094 "+
			"(a merge patch replaces the list, so the existing ports are listed too)")
		fix["ports"] = ports
	}
	headless := live.Spec.ClusterIP == corev1.ClusterIPNone
	if !headless {
		lines = append(lines, fmt.Sprintf("clusterIP None (it is %s): a ClusterIP Service gives the pods no DNS names of their "+
			"own, and a peer through it is a load balancer, re-joined forever", orNone(live.Spec.ClusterIP)))
	}
	if len(lines) == 0 {
		return nil
	}
	if p.operatorOwned(live) {
		p.notes = append(p.notes, fmt.Sprintf("Service %s is prometheus-operator's and it reverts edits; it differs from what "+
			"the operator writes (%s): check the operator's version and logs", name, strings.Join(lines, "; ")))
		return nil
	}
	if !headless {
		svc := p.headless(live, name)
		y, err := marshal(svc)
		if err != nil {
			return err
		}
		header := fmt.Sprintf("Service %s/%s recreated. clusterIP is immutable: delete the Service, then apply this file "+
			"(the live Service with the changes below). Until it exists again the pod names do not resolve; members already "+
			"joined stay joined, and the names resolve again once the new Service has endpoints. Anything that used its "+
			"ClusterIP now gets the pod IPs from DNS; Prometheus must send to every replica anyway, never through a ClusterIP.", p.ns(), name)
		if live.Spec.Type != "" && live.Spec.Type != corev1.ServiceTypeClusterIP {
			header += fmt.Sprintf(" It was type %s: a headless Service is type ClusterIP, without node ports or a load balancer.", live.Spec.Type)
		}
		p.add("patch-service", "Governing Service "+name+": recreate headless", "patch-service.yaml", bullets(header, lines)+string(y))
		p.steps = append(p.steps, step{title: "Governing Service " + name + ": recreate headless (clusterIP is immutable)", cmds: []string{
			fmt.Sprintf("kubectl get service %s -n %s -o yaml > %s.service.backup.yaml", name, p.ns(), name),
			fmt.Sprintf("kubectl delete service %s -n %s", name, p.ns()),
			"kubectl apply -f patch-service.yaml",
		}})
		return nil
	}
	body, err := json.MarshalIndent(map[string]any{"spec": fix}, "", "  ")
	if err != nil {
		return err
	}
	header := fmt.Sprintf("Service %s/%s, the governing Service of StatefulSet %s: it gives every pod the DNS name its peers "+
		"use (<pod>.%s). Takes effect at once; no pod restarts.", p.ns(), name, p.name(), name)
	p.add("patch-service", "Governing Service "+name+": merge patch", "patch-service.sh", bullets(header, lines)+
		fmt.Sprintf("kubectl patch service %s -n %s --type merge -p %s\n", name, p.ns(), shellQuote(string(body))))
	p.steps = append(p.steps, step{title: "Governing Service " + name, cmds: []string{"sh ./patch-service.sh"}})
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}

func (p *livePatch) unread(kind string) bool {
	for _, u := range p.l.Unread {
		if strings.HasPrefix(u, kind+" ") {
			return true
		}
	}
	return false
}

func (p *livePatch) operatorOwned(svc *corev1.Service) bool {
	for _, r := range svc.OwnerReferences {
		if r.Kind == "Alertmanager" {
			return true
		}
	}
	return svc.Labels["operated-alertmanager"] == "true"
}

// podSelectorLabels are the labels that select the pods: the StatefulSet's matchLabels, else
// the template's.
func (p *livePatch) podSelectorLabels() map[string]string {
	if len(p.sel.MatchLabels) > 0 && len(p.sel.MatchExpressions) == 0 {
		return p.sel.MatchLabels
	}
	return p.sts.Spec.Template.Labels
}

// servicePorts are ports plus the mesh ports they lack, and the names of those added.
func (p *livePatch) servicePorts(ports []corev1.ServicePort) ([]corev1.ServicePort, []string) {
	out := make([]corev1.ServicePort, 0, len(ports)+2)
	names := map[string]bool{}
	has := map[corev1.Protocol]bool{}
	for _, sp := range ports {
		sp.NodePort = 0
		proto := sp.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		if sp.Port == meshPort {
			has[proto] = true
		}
		names[sp.Name] = true
		out = append(out, sp)
	}
	var missing []string
	for _, proto := range []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP} {
		if has[proto] {
			continue
		}
		name := "mesh-" + strings.ToLower(string(proto))
		if names[name] {
			name = "amha-" + name
		}
		out = append(out, corev1.ServicePort{Name: name, Port: meshPort, TargetPort: intstr.FromInt32(meshPort), Protocol: proto})
		missing = append(missing, fmt.Sprintf("%d/%s", meshPort, proto))
	}
	for i := range out {
		if out[i].Name == "" && len(out) > 1 {
			out[i].Name = fmt.Sprintf("%s-%d", strings.ToLower(string(orTCP(out[i].Protocol))), out[i].Port)
		}
	}
	return out, missing
}

func orTCP(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// headless is the governing Service as it should be: the live one made headless (nil: a new
// one with the web and mesh ports).
func (p *livePatch) headless(live *corev1.Service, name string) *corev1.Service {
	svc := &corev1.Service{
		TypeMeta:   meta("Service", "v1"),
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: p.ns(), Labels: p.podSelectorLabels()},
		Spec: corev1.ServiceSpec{
			Type:                     corev1.ServiceTypeClusterIP,
			ClusterIP:                corev1.ClusterIPNone,
			PublishNotReadyAddresses: true,
			Selector:                 p.podSelectorLabels(),
		},
	}
	var ports []corev1.ServicePort
	if live == nil {
		ports = []corev1.ServicePort{{Name: "web", Port: webPort, TargetPort: intstr.FromInt32(p.webPort()), Protocol: corev1.ProtocolTCP}}
	} else {
		svc.Labels = live.Labels
		svc.Annotations = maps.Clone(live.Annotations)
		delete(svc.Annotations, corev1.LastAppliedConfigAnnotation)
		if selects(&metav1.LabelSelector{MatchLabels: live.Spec.Selector}, p.podLabels) && len(live.Spec.Selector) > 0 {
			svc.Spec.Selector = live.Spec.Selector
		}
		ports = live.Spec.Ports
	}
	svc.Spec.Ports, _ = p.servicePorts(ports)
	return svc
}

// webPort is the container's web port (named web or http), else 9093.
func (p *livePatch) webPort() int32 {
	for _, cp := range p.c.Ports {
		if cp.Name == "web" || cp.Name == "http" {
			return cp.ContainerPort
		}
	}
	return webPort
}

func selects(sel *metav1.LabelSelector, set labels.Set) bool {
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(set)
}

// ---- PodDisruptionBudget and NetworkPolicy ----

func (p *livePatch) pdb() error {
	if p.s.Replicas < 2 || p.unread("PodDisruptionBudgets") {
		return nil
	}
	for i := range p.l.PDBs {
		if selects(p.l.PDBs[i].Spec.Selector, p.podLabels) {
			return nil
		}
	}
	pdb := p.s.pdb(nil)
	pdb.Name = p.freeName(func(n string) bool {
		return slices.ContainsFunc(p.l.PDBs, func(x policyv1.PodDisruptionBudget) bool { return x.Name == n })
	})
	pdb.Labels = p.podSelectorLabels()
	pdb.Spec.Selector = p.sel.DeepCopy()
	y, err := marshal(pdb)
	if err != nil {
		return err
	}
	p.add("patch-pdb", "PodDisruptionBudget: at most one replica down for a voluntary disruption", "patch-pdb.yaml",
		comment(fmt.Sprintf("No PodDisruptionBudget selects the pods of StatefulSet %s/%s (neither prometheus-operator nor the "+
			"Helm chart creates one): a node drain may evict several replicas at once. At most one down for a voluntary "+
			"disruption: the others keep notifying and keep the notification log and silences.", p.ns(), p.name()), "")+string(y))
	p.steps = append(p.steps, step{title: "PodDisruptionBudget", cmds: []string{"kubectl apply -f patch-pdb.yaml"}})
	return nil
}

func (p *livePatch) networkPolicy() error {
	if p.s.Replicas < 2 || p.unread("NetworkPolicies") {
		return nil
	}
	for i := range p.l.NetworkPolicies {
		np := &p.l.NetworkPolicies[i]
		ingress := len(np.Spec.PolicyTypes) == 0 || slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
		if ingress && selects(&np.Spec.PodSelector, p.podLabels) {
			return nil
		}
	}
	np := p.s.networkPolicy(nil)
	np.Name = p.freeName(func(n string) bool {
		return slices.ContainsFunc(p.l.NetworkPolicies, func(x networkingv1.NetworkPolicy) bool { return x.Name == n })
	})
	np.Labels = p.podSelectorLabels()
	np.Spec.PodSelector = *p.sel.DeepCopy()
	np.Spec.Ingress[0].From[0].PodSelector = p.sel.DeepCopy()
	web := intstr.FromInt32(p.webPort())
	np.Spec.Ingress[1].Ports[0].Port = &web
	y, err := marshal(np)
	if err != nil {
		return err
	}
	p.add("patch-networkpolicy", "NetworkPolicy: the mesh port 9094 for the replicas only", "patch-networkpolicy.yaml",
		comment(fmt.Sprintf("No NetworkPolicy selects the pods of StatefulSet %s/%s. %s Once it applies, every other ingress "+
			"to these pods is denied: add rules for whatever else reaches port %d (Prometheus in other namespaces, Grafana, an "+
			"ingress controller) before applying it.", p.ns(), p.name(), networkPolicyComment(p.s), p.webPort()), "")+string(y))
	// Not run by the script: it denies every other client of the web port until rules for them
	// are added, and only the user knows who they are.
	p.steps = append(p.steps, step{fmt.Sprintf("NetworkPolicy: NOT applied by this script. Once applied it denies every "+
		"other client of port %d (Grafana, an ingress, a Prometheus elsewhere): add rules for them to "+
		"patch-networkpolicy.yaml, then run this line yourself", p.webPort()),
		[]string{"# kubectl apply -f patch-networkpolicy.yaml"}, true})
	return nil
}

// freeName is the StatefulSet's name, or it with "-mesh" when taken.
func (p *livePatch) freeName(taken func(string) bool) string {
	if !taken(p.name()) {
		return p.name()
	}
	return p.name() + "-mesh"
}

// ---- prometheus-operator ----

// alertmanagerObject turns the differences into a merge patch of the Alertmanager object: the
// operator generates the StatefulSet and reverts edits of it.
func (p *livePatch) alertmanagerObject(edits []edit) error {
	spec := map[string]any{}
	var lines []string
	existing := func(key string) []any {
		l, _ := p.l.Alertmanager[key].([]any)
		return slices.Clone(l)
	}
	var addArgs []map[string]any
	var addEnv []corev1.EnvVar
	if r := p.sts.Spec.Replicas; r == nil || int(*r) != p.s.Replicas {
		spec["replicas"] = p.s.Replicas
		lines = append(lines, fmt.Sprintf("spec.replicas %d (asked for): the operator writes one --cluster.peer per replica", p.s.Replicas))
	}
	_, replicasChanged := spec["replicas"]
	for _, e := range edits {
		_, v, _ := strings.Cut(e.flag, "=")
		switch n := e.name(); {
		case n == "cluster.advertise-address":
			spec["clusterAdvertiseAddress"] = strings.TrimPrefix(e.flag, "--cluster.advertise-address=")
			lines = append(lines, "spec.clusterAdvertiseAddress "+v+": "+e.why)
		case n == "cluster.label":
			spec["clusterLabel"] = v
			lines = append(lines, "spec.clusterLabel "+v+" (needs a prometheus-operator whose CRD knows the field; an older "+
				"one drops it silently): "+e.why)
		case n == "cluster.peer-timeout":
			spec["clusterPeerTimeout"] = v
			lines = append(lines, "spec.clusterPeerTimeout "+v+": "+e.why)
		case n == "cluster.peer" && e.tok != nil && e.flag == "":
			spec["additionalPeers"] = nil
			lines = append(lines, "spec.additionalPeers removed: "+e.why)
		case n == "cluster.peer" && replicasChanged:
		case (n == "cluster.peer-name" || n == "cluster.reconnect-timeout") && e.tok == nil:
			addArgs = append(addArgs, map[string]any{"name": n, "value": v})
			lines = append(lines, "spec.additionalArgs "+n+"="+v+" (this operator does not write it): "+e.why)
			if n == "cluster.peer-name" && p.env.name == "" {
				addEnv = append(addEnv, corev1.EnvVar{Name: p.env.nameVar(), ValueFrom: &corev1.EnvVarSource{
					FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}})
			}
		case n == "cluster.listen-address" && replicasChanged:
		default:
			p.notes = append(p.notes, fmt.Sprintf("%s: %s. prometheus-operator writes this flag itself; check the Alertmanager "+
				"object (spec.additionalArgs) and the operator's version", e, e.why))
		}
	}
	if len(addArgs) > 0 {
		args := existing("additionalArgs")
		for _, a := range addArgs {
			args = append(args, a)
		}
		spec["additionalArgs"] = args
	}
	if len(addEnv) > 0 {
		containers := existing("containers")
		found := false
		for i, c := range containers {
			if m, ok := c.(map[string]any); ok && m["name"] == p.c.Name {
				m = maps.Clone(m)
				env, _ := m["env"].([]any)
				env = slices.Clone(env)
				for _, e := range addEnv {
					env = append(env, e)
				}
				m["env"] = env
				containers[i] = m
				found = true
			}
		}
		if !found {
			containers = append(containers, map[string]any{"name": p.c.Name, "env": addEnv})
		}
		spec["containers"] = containers
		lines = append(lines, fmt.Sprintf("spec.containers: env %s from the downward API for $(%s) (the operator merges this "+
			"into its container)", p.env.nameVar(), p.env.nameVar()))
	}
	ps := p.sts.Spec.Template.Spec
	if p.s.Replicas > 1 && len(ps.TopologySpreadConstraints) == 0 && (ps.Affinity == nil || ps.Affinity.PodAntiAffinity == nil) {
		spec["topologySpreadConstraints"] = p.spread()
		lines = append(lines, fmt.Sprintf("spec.topologySpreadConstraints: no spread and no pod anti-affinity (the operator "+
			"creates neither); spread the %d replicas %s", p.s.Replicas, spreadNote(p.s)))
		if za := p.s.zoneAffinity(); za != nil {
			if ps.Affinity == nil || ps.Affinity.NodeAffinity == nil {
				spec["affinity"] = map[string]any{"nodeAffinity": za.NodeAffinity}
				lines = append(lines, "spec.affinity.nodeAffinity: keep the pods in zones "+strings.Join(p.s.Zones, ", "))
			}
		}
	}
	if p.sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		p.notes = append(p.notes, "the StatefulSet's podManagementPolicy is not Parallel; prometheus-operator writes Parallel: check its version")
	}
	if len(spec) == 0 {
		return nil
	}
	body, err := json.MarshalIndent(map[string]any{"spec": rawSpec(spec)}, "", "  ")
	if err != nil {
		return err
	}
	am := p.l.Found.OperatorName()
	lists := ""
	if p.l.Alertmanager == nil && (spec["additionalArgs"] != nil || spec["containers"] != nil) {
		lists = " amha could not read the object: a merge patch replaces a list whole, so add any entries " +
			"spec.additionalArgs or spec.containers already hold to the lists below."
	}
	header := fmt.Sprintf("prometheus-operator Alertmanager %s/%s. The operator generates StatefulSet %s from it and reverts "+
		"edits of the StatefulSet, so the patch goes here; the operator then rolls the pods one at a time.%s",
		p.ns(), am, p.name(), lists)
	p.add("patch-alertmanager", "prometheus-operator Alertmanager "+am+": merge patch", "patch-alertmanager.sh", bullets(header, lines)+
		fmt.Sprintf("kubectl patch alertmanagers.monitoring.coreos.com %s -n %s --type merge -p %s\n", am, p.ns(), shellQuote(string(body))))
	p.steps = append(p.steps, step{title: "Alertmanager " + am + " (prometheus-operator)", cmds: []string{"sh ./patch-alertmanager.sh"}})
	return nil
}

// rawSpec marshals typed values without their zero fields; null stays null (it removes).
func rawSpec(spec map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range spec {
		if v == nil {
			out[k] = nil
			continue
		}
		out[k] = raw(v)
	}
	return out
}
