package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

type amStatus struct {
	Cluster struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Peers  []struct {
			Name    string `json:"name"`
			Address string `json:"address"`
		} `json:"peers"`
	} `json:"cluster"`
	VersionInfo struct {
		Version string `json:"version"`
	} `json:"versionInfo"`
}

func (s amStatus) String() string {
	addrs := make([]string, 0, len(s.Cluster.Peers))
	for _, p := range s.Cluster.Peers {
		addrs = append(addrs, p.Name+"@"+p.Address)
	}
	sort.Strings(addrs)
	return fmt.Sprintf("status=%s peers=%d name=%s version=%s members=[%s]",
		s.Cluster.Status, len(s.Cluster.Peers), s.Cluster.Name, s.VersionInfo.Version, strings.Join(addrs, " "))
}

func getAMStatus(client *http.Client, url string) (amStatus, error) {
	var st amStatus
	resp, err := client.Get(url)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return st, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

// cmdAMStatus reads an Alertmanager's /api/v2/status. With -wait-peers N it
// polls until cluster.status is "ready" with exactly N peers (or -timeout);
// otherwise it prints one line.
func cmdAMStatus(args []string) error {
	fs := flag.NewFlagSet("am-status", flag.ExitOnError)
	base := fs.String("url", "", "Alertmanager base URL, e.g. http://127.0.0.1:9093")
	want := fs.Int("wait-peers", 0, "wait until status is ready with this many peers")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after")
	_ = fs.Parse(args)
	if *base == "" {
		return fmt.Errorf("-url is required")
	}
	url := strings.TrimSuffix(*base, "/") + "/api/v2/status"
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{Proxy: nil}}
	deadline := time.Now().Add(*timeout)
	for {
		st, err := getAMStatus(client, url)
		if *want == 0 {
			if err != nil {
				return err
			}
			fmt.Println(st)
			return nil
		}
		if err == nil && st.Cluster.Status == "ready" && len(st.Cluster.Peers) == *want {
			fmt.Println(st)
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("%s: %v", url, err)
			}
			return fmt.Errorf("%s: want ready with %d peers after %s, have %s", url, *want, *timeout, st)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
