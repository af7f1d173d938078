package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// cmdMkimage writes a single-layer image as a docker-archive tar (the format
// of `docker save`), which `ctr images import` reads. No registry involved.
func cmdMkimage(args []string) error {
	fs := flag.NewFlagSet("mkimage", flag.ExitOnError)
	out := fs.String("o", "", "output tar")
	name := fs.String("name", "", "image reference, e.g. amha.local/pause:rig")
	var adds, dirs, envs, expose multiFlag
	fs.Var(&adds, "add", "SRC:DST[:MODE] file to add (octal mode, default 0755)")
	fs.Var(&dirs, "dir", "DST[:MODE[:UID]] directory to create (default 0755, uid 0)")
	fs.Var(&envs, "env", "K=V environment")
	fs.Var(&expose, "expose", "PORT/PROTO exposed port")
	entrypoint := fs.String("entrypoint", "", "JSON array")
	cmd := fs.String("cmd", "", "JSON array")
	user := fs.String("user", "", "user")
	workdir := fs.String("workdir", "", "working directory")
	_ = fs.Parse(args)
	if *out == "" || *name == "" {
		return fmt.Errorf("-o and -name are required")
	}

	type entry struct {
		mode int64
		uid  int
		data []byte
		dir  bool
	}
	entries := map[string]*entry{}
	var ensureParents func(p string)
	ensureParents = func(p string) {
		d := path.Dir(p)
		if d == "/" || d == "." || d == "" {
			return
		}
		if _, ok := entries[d]; !ok {
			entries[d] = &entry{mode: 0o755, dir: true}
		}
		ensureParents(d)
	}
	for _, d := range dirs {
		parts := strings.Split(d, ":")
		e := &entry{mode: 0o755, dir: true}
		if len(parts) > 1 {
			m, err := strconv.ParseInt(parts[1], 8, 32)
			if err != nil {
				return fmt.Errorf("dir %q: %v", d, err)
			}
			e.mode = m
		}
		if len(parts) > 2 {
			u, err := strconv.Atoi(parts[2])
			if err != nil {
				return fmt.Errorf("dir %q: %v", d, err)
			}
			e.uid = u
		}
		p := path.Clean("/" + parts[0])
		entries[p] = e
		ensureParents(p)
	}
	for _, a := range adds {
		parts := strings.Split(a, ":")
		if len(parts) < 2 {
			return fmt.Errorf("add %q: want SRC:DST[:MODE]", a)
		}
		data, err := os.ReadFile(parts[0])
		if err != nil {
			return err
		}
		e := &entry{mode: 0o755, data: data}
		if len(parts) > 2 {
			m, err := strconv.ParseInt(parts[2], 8, 32)
			if err != nil {
				return fmt.Errorf("add %q: %v", a, err)
			}
			e.mode = m
		}
		p := path.Clean("/" + parts[1])
		entries[p] = e
		ensureParents(p)
	}
	names := make([]string, 0, len(entries))
	for p := range entries {
		names = append(names, p)
	}
	sort.Strings(names)

	epoch := time.Unix(0, 0).UTC()
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	for _, p := range names {
		e := entries[p]
		h := &tar.Header{Name: strings.TrimPrefix(p, "/"), Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: epoch, Format: tar.FormatPAX}
		if e.dir {
			h.Typeflag = tar.TypeDir
			h.Name += "/"
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if !e.dir {
			if _, err := tw.Write(e.data); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	layerSum := sha256.Sum256(layer.Bytes())
	layerHex := hex.EncodeToString(layerSum[:])

	cfg := map[string]any{}
	if *entrypoint != "" {
		var v []string
		if err := json.Unmarshal([]byte(*entrypoint), &v); err != nil {
			return fmt.Errorf("-entrypoint: %v", err)
		}
		cfg["Entrypoint"] = v
	}
	if *cmd != "" {
		var v []string
		if err := json.Unmarshal([]byte(*cmd), &v); err != nil {
			return fmt.Errorf("-cmd: %v", err)
		}
		cfg["Cmd"] = v
	}
	env := append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, envs...)
	cfg["Env"] = env
	if *user != "" {
		cfg["User"] = *user
	}
	if *workdir != "" {
		cfg["WorkingDir"] = *workdir
	}
	if len(expose) > 0 {
		ports := map[string]struct{}{}
		for _, p := range expose {
			ports[p] = struct{}{}
		}
		cfg["ExposedPorts"] = ports
	}
	config := map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"created":      epoch.Format(time.RFC3339),
		"config":       cfg,
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + layerHex}},
		"history":      []map[string]any{{"created": epoch.Format(time.RFC3339), "created_by": "amha test rig: rigctl mkimage"}},
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return err
	}
	cfgSum := sha256.Sum256(configJSON)
	cfgName := hex.EncodeToString(cfgSum[:]) + ".json"
	manifest, err := json.Marshal([]map[string]any{{
		"Config":   cfgName,
		"RepoTags": []string{*name},
		"Layers":   []string{layerHex + "/layer.tar"},
	}})
	if err != nil {
		return err
	}

	tmp := *out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	ow := tar.NewWriter(f)
	add := func(n string, data []byte, dir bool) error {
		h := &tar.Header{Name: n, Mode: 0o644, ModTime: epoch, Size: int64(len(data)), Typeflag: tar.TypeReg}
		if dir {
			h.Mode, h.Size, h.Typeflag = 0o755, 0, tar.TypeDir
		}
		if err := ow.WriteHeader(h); err != nil {
			return err
		}
		_, err := ow.Write(data)
		return err
	}
	for _, step := range []struct {
		n   string
		d   []byte
		dir bool
	}{
		{layerHex + "/", nil, true},
		{layerHex + "/layer.tar", layer.Bytes(), false},
		{cfgName, configJSON, false},
		{"manifest.json", manifest, false},
	} {
		if err := add(step.n, step.d, step.dir); err != nil {
			f.Close()
			return err
		}
	}
	if err := ow.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, *out)
}
