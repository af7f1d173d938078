package kube

import (
	"context"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EventSource is the reporting component of the Events amha records.
const EventSource = "kubectl-amha"

// EventTarget is the object a cluster's Events are recorded on: the prometheus-operator
// Alertmanager object that owns the StatefulSet, else the StatefulSet; where `kubectl
// describe` shows them.
func (f *Found) EventTarget() corev1.ObjectReference {
	for _, r := range f.StatefulSet.OwnerReferences {
		if r.Kind == "Alertmanager" {
			return corev1.ObjectReference{APIVersion: r.APIVersion, Kind: r.Kind, Name: r.Name, Namespace: f.Namespace, UID: r.UID}
		}
	}
	s := f.StatefulSet
	return corev1.ObjectReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: s.Name, Namespace: f.Namespace, UID: s.UID, ResourceVersion: s.ResourceVersion}
}

// maxEventMessage is where a message is cut (events.k8s.io's limit for its note).
const maxEventMessage = 1024

// RecordEvent records a Kubernetes Event on the cluster's EventTarget: reason (CamelCase),
// message, Normal or Warning.
func (c *Client) RecordEvent(ctx context.Context, f *Found, warning bool, reason, message string) error {
	typ := corev1.EventTypeNormal
	if warning {
		typ = corev1.EventTypeWarning
	}
	if len(message) > maxEventMessage {
		message = message[:maxEventMessage-3] + "..."
	}
	target := f.EventTarget()
	now := metav1.NewTime(time.Now())
	ev := &corev1.Event{
		ObjectMeta:          metav1.ObjectMeta{GenerateName: target.Name + ".amha-", Namespace: f.Namespace, Labels: map[string]string{ManagedByLabel: ManagedBy}},
		InvolvedObject:      target,
		Reason:              reason,
		Message:             message,
		Type:                typ,
		Source:              corev1.EventSource{Component: EventSource},
		ReportingController: EventSource,
		ReportingInstance:   EventSource,
		FirstTimestamp:      now,
		LastTimestamp:       now,
		Count:               1,
	}
	if _, err := c.CS.CoreV1().Events(f.Namespace).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		return explainAPI(err, "create events", f.Namespace)
	}
	return nil
}

// User is who the API server takes the kubeconfig's user for (a SelfSubjectReview: Kubernetes
// 1.28 and later), else the basic-auth user name of the kubeconfig, else "unknown user".
func (c *Client) User(ctx context.Context) string {
	if r, err := c.CS.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{}); err == nil && r.Status.UserInfo.Username != "" {
		return r.Status.UserInfo.Username
	}
	if c.Config != nil && c.Config.Username != "" {
		return c.Config.Username
	}
	return "unknown user"
}
