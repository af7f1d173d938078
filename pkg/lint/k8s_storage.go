package lint

import (
	"fmt"
	"path"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// k8sStorage: the notification log and silences are snapshotted to --storage.path every
// --data.maintenance-interval (15m) and at shutdown, and loaded at start; they are gossiped, so
// one restarted replica gets them back from its peers, but when every replica restarts without
// a persistent volume they are gone (ha-facts failure table: "every replica restarted without
// persistent storage: 1 more per firing group").
type k8sStorage struct{}

func (k8sStorage) ID() string { return "k8s/storage" }

func (c k8sStorage) Run(s *Set) []model.Finding {
	var out []model.Finding
	for _, w := range k8sWorkloads(s) {
		st := k8sStorageOf(w)
		var where, when string
		switch st.Kind {
		case "emptyDir", "ephemeral":
			when = "when the pods are deleted or rescheduled (a node drain, an upgrade, a full restart)"
			switch {
			case w.Kind == "Alertmanager":
				where = k8sOperatorStorage(w)
			case st.Kind == "ephemeral":
				where = fmt.Sprintf("on the generic ephemeral volume %q", st.Volume)
			default:
				where = fmt.Sprintf("on the emptyDir volume %q", st.Volume)
			}
		case "container":
			where = "on the container's own filesystem (no volume is mounted there)"
			when = "at every container restart, a crash included"
		default:
			continue
		}
		msg := fmt.Sprintf("The notification log and silences (--storage.path %s) are %s, lost %s. One restarted replica gets them back from its peers by gossip, "+
			"but when every replica restarts at once they are gone: every group still firing notifies once more, and alerts under a silence notify until someone re-creates the silence.",
			st.Path, where, when)
		if !k8sMeshOn(w) {
			msg = fmt.Sprintf("The notification log and silences (--storage.path %s) are %s, lost %s, and there is no peer to get them back from: "+
				"every group still firing then notifies once more, and alerts under a silence notify until someone re-creates the silence.",
				st.Path, where, when)
		}
		if w.Kind == "Alertmanager" {
			msg = strings.Replace(msg, "(--storage.path "+st.Path+") ", "", 1)
		}
		fix := fmt.Sprintf("Mount a PersistentVolumeClaim at %s: on a StatefulSet a volumeClaimTemplate, one claim per replica "+
			"(a claim of 1Gi is plenty). The state is snapshotted every --data.maintenance-interval (15m) and at shutdown.", st.Path)
		switch {
		case w.Kind == "Alertmanager":
			fix = "Set spec.storage.volumeClaimTemplate in the Alertmanager object (spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}): the operator gives every replica its own claim."
		case k8sHelm(w.Object):
			fix += " Helm chart values: persistence.enabled: true."
		}
		fix = k8sFixFor(w, fix, "set spec.storage.volumeClaimTemplate there.")
		out = append(out, model.Finding{
			ID: c.ID(), Severity: model.Warning, Symptoms: []model.Symptom{model.Duplicates},
			Objects:   []string{w.ID()},
			Message:   msg,
			Fix:       fix,
			Locations: []Location{st.Loc},
		})
	}
	return out
}

// k8sOperatorStorage says where the operator puts the state of an Alertmanager object without
// a persistent volume (k8sStorageOf kinds emptyDir and ephemeral).
func k8sOperatorStorage(w *Workload) string {
	st := w.PodSpec.Get("storage")
	var where string
	switch {
	case !st.Valid():
		return "on an emptyDir (the operator's default without spec.storage)"
	case st.Get("emptyDir").Valid():
		where = "on an emptyDir (spec.storage.emptyDir"
	default:
		where = "on a generic ephemeral volume (spec.storage.ephemeral"
	}
	if st.Get("volumeClaimTemplate").Valid() {
		where += ", which the operator uses instead of the volumeClaimTemplate also set there"
	}
	return where + ")"
}

// k8sStore says where --storage.path lives.
type k8sStore struct {
	// Path is the storage path, made absolute.
	Path string
	// Kind is "claim", "emptyDir", "ephemeral", "container" (no volume), or "other" (hostPath,
	// NFS and the like: persistent, or not known here).
	Kind   string
	Volume string
	// Loc is where to point: the volume source, the flag, or where the volume is missing.
	Loc Location
}

// k8sImageDataDir is the official image's WORKDIR and --storage.path (its CMD).
const k8sImageDataDir = "/alertmanager"

func k8sStorageOf(w *Workload) k8sStore {
	if w.Kind == "Alertmanager" {
		// prometheus-operator (pkg/alertmanager/statefulset.go): no spec.storage is an emptyDir;
		// else emptyDir, then ephemeral, win over volumeClaimTemplate, which is used otherwise
		// (an empty one too).
		st := w.PodSpec.Get("storage")
		out := k8sStore{Path: k8sImageDataDir, Kind: "emptyDir", Loc: st.LocOr(w.PodSpec)}
		switch {
		case !st.Valid():
		case st.Get("emptyDir").Valid():
			out.Loc = st.Key("emptyDir").Loc()
		case st.Get("ephemeral").Valid():
			out.Kind, out.Loc = "ephemeral", st.Key("ephemeral").Loc()
		default:
			out.Kind = "claim"
		}
		return out
	}
	c := w.Container
	p := "data/"
	a := w.Arg("storage.path")
	switch {
	case a != nil:
		p = a.Value
	case !c.Get("args").Valid() && !c.Get("command").Valid():
		p = k8sImageDataDir // the image's CMD passes --storage.path=/alertmanager
	}
	if !path.IsAbs(p) {
		dir := c.Get("workingDir").String()
		if dir == "" {
			dir = k8sImageDataDir
		}
		p = path.Join(dir, p)
	}
	p = path.Clean(p)
	out := k8sStore{Path: p, Kind: "container", Loc: c.Get("volumeMounts").LocOr(c)}
	if a != nil {
		out.Loc = a.At.Loc()
	}
	var mount string
	for _, m := range c.Get("volumeMounts").Items() {
		mp := path.Clean(m.Get("mountPath").String())
		if (p == mp || mp == "/" || strings.HasPrefix(p, mp+"/")) && len(mp) > len(mount) {
			mount, out.Volume = mp, m.Get("name").String()
		}
	}
	if mount == "" {
		return out
	}
	out.Kind = "other"
	if w.Kind == "StatefulSet" {
		for _, t := range w.Object.Root.Get("spec", "volumeClaimTemplates").Items() {
			if t.Get("metadata", "name").String() == out.Volume {
				out.Kind = "claim"
				return out
			}
		}
	}
	for _, v := range w.PodSpec.Get("volumes").Items() {
		if v.Get("name").String() != out.Volume {
			continue
		}
		for _, k := range []string{"persistentVolumeClaim", "emptyDir", "ephemeral"} {
			if v.Get(k).Valid() {
				out.Kind, out.Loc = k, v.Key(k).Loc()
			}
		}
		if out.Kind == "persistentVolumeClaim" {
			out.Kind = "claim"
		}
	}
	return out
}
