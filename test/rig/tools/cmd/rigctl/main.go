// Command rigctl holds the small jobs of the amha test rig that are easier
// in Go than in shell: certificates and kubeconfigs, docker-archive images
// written without a registry, and bounded waits on HTTPS health endpoints
// and DNS answers. It uses only the standard library.
//
//	rigctl certs      -dir D -node-name N -node-ip IP -service-ip IP -server URL
//	rigctl mkimage    -o OUT.tar -name REF [-add SRC:DST[:MODE]]... [-dir DST[:MODE[:UID]]]...
//	                  [-entrypoint JSON] [-cmd JSON] [-user U] [-workdir W] [-env K=V]... [-expose P/proto]...
//	rigctl wait-https -url URL -ca F -cert F -key F [-timeout 60s] [-expect ok]
//	rigctl dns        -server IP:PORT [-timeout 30s] NAME
//	rigctl am-status  -url http://127.0.0.1:PORT [-wait-peers N] [-timeout 60s]
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "certs":
		err = cmdCerts(os.Args[2:])
	case "mkimage":
		err = cmdMkimage(os.Args[2:])
	case "wait-https":
		err = cmdWaitHTTPS(os.Args[2:])
	case "dns":
		err = cmdDNS(os.Args[2:])
	case "am-status":
		err = cmdAMStatus(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rigctl %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: rigctl certs|mkimage|wait-https|dns|am-status [flags]")
	os.Exit(2)
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }
