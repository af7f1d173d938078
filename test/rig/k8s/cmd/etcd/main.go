// Command etcd is etcd v3.5.21 (the version Kubernetes v1.33.13 pins),
// built from the module proxy for the test rig.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
