package cmd

import (
	"errors"
	"os"
	"strconv"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/amha-dev/kubectl-amha/pkg/kube"
)

// kubeClient builds the API server client from kubectl's flags (--kubeconfig, --context, -n,
// ...) and the namespace they name (the kubeconfig's when -n is not given). hint follows a
// kubeconfig error ("use --url ..."), when the command has another way.
func kubeClient(flags *genericclioptions.ConfigFlags, timeout time.Duration, hint string) (*kube.Client, string, error) {
	if raw, err := flags.ToRawKubeConfigLoader().RawConfig(); err == nil && len(raw.Clusters) == 0 && os.Getenv("KUBERNETES_SERVICE_HOST") == "" {
		// client-go would fall back to localhost:8080 and fail later with "connection refused".
		msg := "no kubeconfig: none at $KUBECONFIG or ~/.kube/config, and not running in a pod; set KUBECONFIG or --kubeconfig (kubectl config view shows what kubectl uses)"
		if hint != "" {
			msg += " (" + hint + ")"
		}
		return nil, "", usageError("%s", msg)
	}
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		if hint != "" {
			return nil, "", usageError("kubeconfig: %v (%s)", err, hint)
		}
		return nil, "", usageError("kubeconfig: %v", err)
	}
	ns, _, err := flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, "", usageError("namespace: %v", err)
	}
	c, err := kube.NewClient(cfg, timeout)
	if err != nil {
		return nil, "", usageError("%v", err)
	}
	return c, ns, nil
}

// withFindHint adds to a cluster-finding error what the user of this command can try: for
// none found, notFound; for several, how to name one.
func withFindHint(err error, notFound, nameOne string) error {
	var nf *kube.NotFoundError
	var amb *kube.AmbiguousError
	switch {
	case errors.As(err, &nf):
		nf.Hint = notFound
	case errors.As(err, &amb):
		amb.Hint = nameOne
	}
	return err
}

// defaultRequestTimeout bounds a request when --request-timeout is unset or 0.
const defaultRequestTimeout = 10 * time.Second

// requestTimeout is kubectl's --request-timeout as amha uses it for every request: to the API
// server, a replica, a Prometheus, a port-forward's set-up. Unlike kubectl, 0 is the default
// (10s), never "no timeout", and a negative value is refused: amha never waits unbounded.
func requestTimeout(flags *genericclioptions.ConfigFlags) (time.Duration, error) {
	rt := *flags.Timeout
	if rt == "" || rt == "0" {
		return defaultRequestTimeout, nil
	}
	d, err := time.ParseDuration(rt)
	if n, aerr := strconv.Atoi(rt); aerr == nil {
		d, err = time.Duration(n)*time.Second, nil // bare seconds, as kubectl takes them
	}
	if err != nil {
		return 0, usageError("--request-timeout %q: %v (want a duration such as 5s)", rt, err)
	}
	switch {
	case d < 0:
		return 0, usageError("--request-timeout %s: must not be negative (0 means the default, %s)", rt, defaultRequestTimeout)
	case d == 0:
		return defaultRequestTimeout, nil
	}
	return d, nil
}
