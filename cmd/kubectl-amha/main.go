// Command kubectl-amha troubleshoots multi-replica Alertmanager clusters: `kubectl amha --help`.
package main

import (
	"os"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
)

func main() {
	os.Exit(cmd.Main(os.Args[1:]))
}
