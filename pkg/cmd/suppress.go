package cmd

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/amha-dev/kubectl-amha/pkg/findings"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/suppress"
)

// suppressHelp is the part of lint's and status's --help about accepting findings.
const suppressHelp = `Accepting a finding (docs/suppress.md): a team that decided to keep one says so, and the
finding is reported apart as suppressed, with what suppressed it, never counted for the exit
code. The text report ends with their count ("2 findings suppressed (k8s/pdb by annotation on
StatefulSet monitoring/am; ...)"); --show-suppressed lists them; JSON carries them in
"suppressed".
  annotation  amha.dev/ignore: "k8s/pdb,k8s/spread" on an object: the findings that point at it
              (status: on the StatefulSet or Alertmanager object, every finding of the cluster)
  comment     # amha: ignore k8s/pdb in a YAML file (lint): at the end of the finding's line or
              on the line above it; at the top of a document, before its first key, the whole
              document
  --disable   ID[,ID...], repeatable: everywhere
  config      disable: [ID, ...] in .amha.yaml of the current directory, or --config FILE
An unknown id is an error that names it (exit 2).`

// suppressOptions are the flags that accept findings, shared by lint and status.
type suppressOptions struct {
	disable []string
	config  string
	show    bool
}

func (s *suppressOptions) addFlags(f *pflag.FlagSet) {
	f.StringSliceVar(&s.disable, "disable", nil, "Finding ids to accept everywhere (ID[,ID...], repeatable): reported as suppressed, not counted for the exit code")
	f.StringVar(&s.config, "config", "", "Config file with disable: [ids] (default: "+suppress.ConfigFile+" in the current directory, when there is one)")
}

func (s *suppressOptions) addShowFlag(f *pflag.FlagSet) {
	f.BoolVar(&s.show, "show-suppressed", false, "List the suppressed findings in the text report (they are counted without it)")
}

// completeSuppressFlags completes --disable with the finding ids (a comma list) and --config with YAML
// files, on a command that registered addFlags.
func completeSuppressFlags(c *cobra.Command) {
	var ids []string
	for _, e := range findings.All() {
		ids = append(ids, e.ID)
	}
	mustComplete(c, "disable", completeList(ids))
	_ = c.MarkFlagFilename("config", "yaml", "yml")
}

// rules are the suppressions of --config (or .amha.yaml) and --disable; an unknown id, field
// or a missing --config file is a usage error.
func (s *suppressOptions) rules() (*suppress.Rules, error) {
	path, explicit := s.config, s.config != ""
	if !explicit {
		path = suppress.ConfigFile
	}
	r, err := suppress.ReadConfig(path, explicit)
	if err != nil {
		return nil, usageError("config file: %v", err)
	}
	var ids []string
	for _, d := range s.disable {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		if err := suppress.Known(d); err != nil {
			return nil, usageError("--disable: %v", err)
		}
		ids = append(ids, d)
	}
	var out suppress.Rules
	out.Disable(ids, model.Suppression{By: suppress.ByFlag, Where: "--disable"})
	out.Merge(r)
	return &out, nil
}
