// Command amha-netpol runs sigs.k8s.io/kube-network-policies v0.8.0 as a
// host process of the amha test rig: it reads the cluster through a
// kubeconfig (upstream's main assumes in-cluster config), turns NRI off
// (containerd 1.6 has none) and stops on SIGTERM as well as SIGINT so the
// rig's teardown removes its nftables table. It is built with
// nfqueue-compat.patch applied to a copy of the module (see rig.sh): NFQUEUE
// through nft_compat, and a nil check where upstream assumes NRI is on.
//
// It also closes the pod start-up race that upstream closes with NRI, which
// containerd 1.6 lacks: a new pod's IP reaches the controller only when the
// API server publishes it, so the pod's first packets (Alertmanager joins its
// mesh within milliseconds of starting) pass unpoliced and their conntrack
// entries then keep the flows open for good. When a pod IP first appears in
// the controller's podips-v4 set, the conntrack entries of that IP are
// deleted (three times over 5s), so its flows are judged again under the policy, as a CNI that
// programs policy before the pod's network comes up would have judged them.
// Flows of pods that were already running when a policy arrives are left
// alone: established connections survive a new policy, as on real CNIs.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/google/nftables"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	networkinglisters "k8s.io/client-go/listers/networking/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster")
	nodeName := flag.String("hostname-override", "", "name of the Node this runs on")
	queueID := flag.Int("nfqueue-id", 100, "number of the nfqueue used")
	failOpen := flag.Bool("fail-open", false, "don't drop packets if the controller is not running")
	metrics := flag.String("metrics-bind-address", "127.0.0.1:19080", "metrics address")
	klog.InitFlags(flag.CommandLine)
	flag.Parse()
	if *kubeconfig == "" || *nodeName == "" {
		fmt.Fprintln(os.Stderr, "amha-netpol: --kubeconfig and --hostname-override are required")
		os.Exit(2)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Fatalf("kubeconfig: %v", err)
	}
	config.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	config.ContentType = "application/vnd.kubernetes.protobuf"
	clientset, err := kubernetes.NewForConfig(config)
	if err != nil {
		klog.Fatalf("client: %v", err)
	}
	factory := informers.NewSharedInformerFactory(clientset, 0)

	http.Handle("/metrics", promhttp.Handler())
	go func() { utilruntime.HandleError(http.ListenAndServe(*metrics, nil)) }()

	cfg := networkpolicy.Config{
		FailOpen:            *failOpen,
		QueueID:             *queueID,
		NodeName:            *nodeName,
		NetfilterBug1766Fix: false, // fixed in kernels 6.12+
		NRIdisabled:         true,
	}
	ctrl, err := networkpolicy.NewController(clientset,
		factory.Networking().V1().NetworkPolicies(),
		factory.Core().V1().Namespaces(),
		factory.Core().V1().Pods(),
		nil, nil, nil, nil, cfg)
	if err != nil {
		klog.Fatalf("controller: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := ctrl.Run(ctx); err != nil {
			klog.Errorf("controller stopped: %v", err)
			cancel()
		}
	}()
	startNewPodFlush(ctx, factory, *nodeName)
	factory.Start(ctx.Done())
	<-ctx.Done()
	select { // let Run remove its nftables table
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

// startNewPodFlush deletes, once per new pod IP on this node that a policy
// selects when the pod gets it, the conntrack entries of that IP as soon as the
// controller has put it in its podips-v4 set. See the package comment.
func startNewPodFlush(ctx context.Context, factory informers.SharedInformerFactory, node string) {
	var mu sync.Mutex
	seen := map[string]bool{} // pod UID + IP
	policies := factory.Networking().V1().NetworkPolicies().Lister()
	handle := func(obj any) {
		pod, ok := obj.(*v1.Pod)
		if !ok || pod.Spec.NodeName != node || pod.Spec.HostNetwork || pod.Status.PodIP == "" {
			return
		}
		key := string(pod.UID) + "/" + pod.Status.PodIP
		mu.Lock()
		if seen[key] {
			mu.Unlock()
			return
		}
		seen[key] = true
		mu.Unlock()
		// Only a pod that a policy already selects when it gets its IP: a policy that
		// arrives later leaves established flows alone, as on real CNIs.
		if !selectedByPolicy(policies, pod) {
			return
		}
		go flushWhenPoliced(ctx, pod.Namespace+"/"+pod.Name, net.ParseIP(pod.Status.PodIP))
	}
	_, _ = factory.Core().V1().Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    handle,
		UpdateFunc: func(_, obj any) { handle(obj) },
		DeleteFunc: func(obj any) {
			if pod, ok := obj.(*v1.Pod); ok {
				mu.Lock()
				delete(seen, string(pod.UID)+"/"+pod.Status.PodIP)
				mu.Unlock()
			}
		},
	})
}

func flushWhenPoliced(ctx context.Context, pod string, ip net.IP) {
	if ip == nil || ip.To4() == nil {
		return
	}
	// The controller may put the IP in its set long after the pod got it when the machine
	// is busy: wait up to a minute. Then flush three times (at once, +2s, +5s): a flow
	// judged while the controller's view of the other pods still lagged is judged again.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if inPolicedSet(ip) {
			total := 0
			for i, wait := range []time.Duration{0, 2 * time.Second, 3 * time.Second} {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
				src, dst := &netlink.ConntrackFilter{}, &netlink.ConntrackFilter{}
				_ = src.AddIP(netlink.ConntrackOrigSrcIP, ip)
				_ = dst.AddIP(netlink.ConntrackOrigDstIP, ip)
				n, err := netlink.ConntrackDeleteFilters(netlink.ConntrackTable, unix.AF_INET, src, dst)
				if err != nil {
					klog.Errorf("new pod %s (%s): deleting conntrack entries (pass %d): %v", pod, ip, i+1, err)
					return
				}
				total += int(n)
			}
			klog.Infof("new pod %s (%s) is under a network policy: deleted %d conntrack entries made before the policy was in place", pod, ip, total)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
	klog.Warningf("new pod %s (%s): not in the policed set after 60s, conntrack left alone", pod, ip)
}

// selectedByPolicy reports whether a NetworkPolicy of the pod's namespace selects it.
func selectedByPolicy(lister networkinglisters.NetworkPolicyLister, pod *v1.Pod) bool {
	nps, err := lister.NetworkPolicies(pod.Namespace).List(labels.Everything())
	if err != nil {
		return false
	}
	for _, np := range nps {
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err == nil && sel.Matches(labels.Set(pod.Labels)) {
			return true
		}
	}
	return false
}

func inPolicedSet(ip net.IP) bool {
	conn, err := nftables.New()
	if err != nil {
		return false
	}
	set, err := conn.GetSetByName(&nftables.Table{Name: "kube-network-policies", Family: nftables.TableFamilyINet}, "podips-v4")
	if err != nil {
		return false
	}
	elems, err := conn.GetSetElements(set)
	if err != nil {
		return false
	}
	for _, e := range elems {
		if net.IP(e.Key).Equal(ip) {
			return true
		}
	}
	return false
}
