package kubeenv

import "testing"

// storageWhere reads k8s/storage's messages, for a StatefulSet and for an Alertmanager object.
func TestStorageWhere(t *testing.T) {
	for msg, want := range map[string]string{
		"The notification log and silences (--storage.path /alertmanager) are on the emptyDir volume \"data\", lost when the pods are deleted": `the emptyDir volume "data"`,
		"The notification log and silences are on an emptyDir (the operator's default without spec.storage), lost when the pods are deleted":   "an emptyDir (the operator's default without spec.storage)",
		"something else": "something else",
	} {
		if got := storageWhere(msg); got != want {
			t.Errorf("storageWhere(%q) = %q, want %q", msg, got, want)
		}
	}
}
