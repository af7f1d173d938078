package e2e

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/amha-dev/kubectl-amha/internal/rbacdoc"
	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
	"github.com/amha-dev/kubectl-amha/ui"
)

// The Roles of docs/rbac.md, read from the page and bound alone to fresh ServiceAccounts, on
// the operator shape with the drill route: status with the status Role sees the whole mesh
// and judges the configuration as an administrator's run does (nothing it reads was refused);
// the drill Role passes the drill's rights check; without pods/exec, crash-sender stops
// before it creates anything, naming the right (-o json: stopped, missing-rights; an Event
// DrillRefused); the drill Role runs baseline and stop-sender.
func TestRBACRolesOfTheDocsOnRig(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	roles, err := rbacdoc.ReadRoles(filepath.Join("..", "..", "docs", "rbac.md"), "amha-status", "amha-drill")
	if err != nil {
		t.Fatal(err)
	}
	statusRole, drillRole := roles[0], roles[1]
	ns := r.drillCluster(t, "amha-rbac-roles", true)

	t.Run("status", func(t *testing.T) {
		viewer := &rig{kubeconfig: r.kubeconfigForRole(t, ns, &statusRole), cs: r.cs}
		rep, code, stderr := viewer.status(t, "-n", ns, "--config-checks=true")
		admin, adminCode, _ := r.status(t, "-n", ns, "--config-checks=true")
		if !wholeMesh(rep) {
			t.Errorf("with the status Role: not the whole mesh: %+v", rep)
		}
		if code != adminCode || !slices.Equal(ids(rep), ids(admin)) {
			t.Errorf("with the status Role: exit %d, findings %v; as administrator: exit %d, findings %v", code, ids(rep), adminCode, ids(admin))
		}
		for _, bad := range []string{"could not", "RBAC", "forbidden", "denies"} {
			if strings.Contains(stderr, bad) {
				t.Errorf("stderr says %q: %s", bad, stderr)
			}
		}
	})

	drillUser := &rig{kubeconfig: r.kubeconfigForRole(t, ns, &drillRole), cs: r.cs}
	t.Run("drill dry run", func(t *testing.T) {
		plan, code, stderr := drillUser.drill(t, "all", "-n", ns, "--dry-run", "-o", "json")
		if code != cmd.ExitOK || !plan.DryRun || len(plan.Drills) != 4 || len(plan.MissingRights) > 0 || strings.Contains(stderr, "lacks") {
			t.Errorf("drill all --dry-run with the drill Role: exit %d, missing rights %v, stderr %s", code, plan.MissingRights, stderr)
		}
		plan, code, _ = drillUser.drill(t, "baseline", "-n", ns, "--dry-run", "-o", "json")
		if code != cmd.ExitOK || len(plan.Drills) != 1 || len(plan.MissingRights) > 0 {
			t.Errorf("drill baseline --dry-run with the drill Role: exit %d, %+v", code, plan)
		}
	})

	t.Run("drill without pods/exec", func(t *testing.T) {
		noExec := drillRole.DeepCopy()
		noExec.Name = "amha-drill-no-exec"
		noExec.Rules = slices.DeleteFunc(noExec.Rules, func(p rbacv1.PolicyRule) bool { return slices.Contains(p.Resources, "pods/exec") })
		if len(noExec.Rules) != len(drillRole.Rules)-1 {
			t.Fatalf("docs/rbac.md's amha-drill: want one rule for pods/exec in %+v", drillRole.Rules)
		}
		u := &rig{kubeconfig: r.kubeconfigForRole(t, ns, noExec), cs: r.cs}
		rep, code, stderr := u.drill(t, "crash-sender", "-n", ns, "--yes", "--sink-image", drillImage, "-o", "json")
		if code != cmd.ExitNoCheck || !strings.Contains(stderr, "create pods/exec") || !strings.Contains(stderr, "for crash-sender") || !strings.Contains(stderr, "nothing was changed") {
			t.Errorf("exit %d, stderr %s; want 2 naming create pods/exec for crash-sender", code, stderr)
		}
		// -o json says why, for CI; the refusal is an Event on the StatefulSet.
		if rep.Stopped == nil || rep.Stopped.Reason != drill.StopRights || !slices.Equal(rep.MissingRights, []string{"create pods/exec"}) ||
			len(rep.Drills) != 1 || rep.Drills[0].Verdict != drill.NotRun {
			t.Errorf("-o json of the refused run: stopped %+v, missing rights %v, drills %+v", rep.Stopped, rep.MissingRights, rep.Drills)
		} else {
			r.drillEvents(t, ns, "StatefulSet", "alertmanager-main", rep.Run, "DrillRefused")
		}
		if m := r.managed(t, ns); len(m) > 0 {
			t.Errorf("created %v", m)
		}
		// The baseline needs no pods/exec; a dry run of every drill names the one right missing.
		plan, code, _ := u.drill(t, "all", "-n", ns, "--dry-run", "-o", "json")
		if code != cmd.ExitOK || !slices.Equal(plan.MissingRights, []string{"create pods/exec"}) {
			t.Errorf("drill all --dry-run without pods/exec: exit %d, missing rights %v", code, plan.MissingRights)
		}
		if _, code, stderr := u.drill(t, "baseline", "-n", ns, "--dry-run"); code != cmd.ExitOK || strings.Contains(stderr, "lacks") {
			t.Errorf("baseline --dry-run without pods/exec: exit %d, %s", code, stderr)
		}
	})

	// The drill Role runs the baseline (the sink created, read and deleted with those rights
	// alone) and stop-sender (the eviction).
	t.Run("drill baseline and stop-sender", func(t *testing.T) {
		buildDrillImage(t)
		for _, d := range []string{"baseline", "stop-sender"} {
			rep, code, _ := drillUser.drill(t, d, "-n", ns, "--yes", "--sink-image", drillImage, "-o", "json")
			if code != cmd.ExitOK || len(rep.Drills) != 1 || rep.Drills[0].Verdict != drill.Pass {
				t.Errorf("%s with the drill Role: exit %d, %+v", d, code, rep.Drills)
			}
			if m := r.managed(t, ns); len(m) > 0 {
				t.Errorf("objects left after %s: %v", d, m)
			}
		}
	})
}

// wholeMesh: one cluster, every replica answered in full, one island of 3.
func wholeMesh(rep ui.StatusReport) bool {
	if len(rep.Clusters) != 1 {
		return false
	}
	c := rep.Clusters[0]
	for _, rp := range c.Replicas {
		if !rp.OK() || len(rp.Partial) > 0 {
			return false
		}
	}
	return len(c.Replicas) == 3 && c.Matrix != nil && len(c.Matrix.Islands) == 1 && len(c.Matrix.Columns) == 3
}
