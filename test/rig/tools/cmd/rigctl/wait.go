package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// cmdWaitHTTPS polls an HTTPS URL with a client certificate until it answers
// 200 (and, with -expect, a body containing that text) or the timeout ends.
func cmdWaitHTTPS(args []string) error {
	fs := flag.NewFlagSet("wait-https", flag.ExitOnError)
	url := fs.String("url", "", "URL")
	caFile := fs.String("ca", "", "CA file")
	certFile := fs.String("cert", "", "client certificate")
	keyFile := fs.String("key", "", "client key")
	expect := fs.String("expect", "", "text the body must contain")
	timeout := fs.Duration("timeout", time.Minute, "give up after")
	_ = fs.Parse(args)
	tlsCfg := &tls.Config{}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		tlsCfg.RootCAs = pool
	}
	if *certFile != "" {
		c, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return err
		}
		tlsCfg.Certificates = []tls.Certificate{c}
	}
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg, Proxy: nil}}
	deadline := time.Now().Add(*timeout)
	var last string
	for time.Now().Before(deadline) {
		resp, err := client.Get(*url)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(body), *expect) {
				return nil
			}
			last = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s; last answer: %s", *url, *timeout, last)
}

// cmdDNS asks one DNS server for NAME's A records until it answers or the
// timeout ends, and prints them.
func cmdDNS(args []string) error {
	fs := flag.NewFlagSet("dns", flag.ExitOnError)
	server := fs.String("server", "", "IP:PORT of the DNS server")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after")
	_ = fs.Parse(args)
	if *server == "" || fs.NArg() != 1 {
		return fmt.Errorf("want -server IP:PORT NAME")
	}
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, *server)
	}}
	deadline := time.Now().Add(*timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		ips, err := r.LookupIP(ctx, "ip4", fs.Arg(0))
		cancel()
		if err == nil && len(ips) > 0 {
			for _, ip := range ips {
				fmt.Println(ip)
			}
			return nil
		}
		lastErr = err
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("no answer for %s from %s after %s: %v", fs.Arg(0), *server, *timeout, lastErr)
}
