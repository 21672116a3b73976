package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/mailcfg/mailcfg/providers"
)

func init() { commands = append(commands, newProvidersCmd) }

// providersOptions are the inputs of `mailcfg providers`.
type providersOptions struct {
	JSON    bool
	Color   bool
	UserDir string // the user's profile directory ("" = none)
}

func newProvidersCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "providers",
		Short: "List the provider catalogue: hosts, ports, TLS, username conventions",
		Long: `List the sending providers mailcfg knows: for each, its SMTP host (default
region), the recommended port and TLS mode, and what the username is.
--json prints every field: regions, ports, AUTH mechanisms, SPF include,
DKIM method and records, bounce records, limits and notes.

Add or override profiles with YAML files in $XDG_CONFIG_HOME/mailcfg/providers/
(~/.config/mailcfg/providers/); a broken file is reported on stderr with its
line, and the others still load.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := providersOptions{JSON: a.JSON, Color: a.color(), UserDir: providers.UserDirFrom(a.Getenv)}
			return runProviders(cmd.Context(), opts, a.stdio)
		},
	}
}

// runProviders prints the catalogue as a table or, with JSON, as
// {"providers": [Profile…]}. Problems in user files are warnings on stderr,
// one line each; they do not fail the command.
func runProviders(_ context.Context, opts providersOptions, io stdio) error {
	cat, errs := providers.Load(opts.UserDir)
	for _, err := range errs {
		fmt.Fprintf(io.Err, "mailcfg: warning: %s\n", oneLine(err.Error()))
	}
	all := cat.All()
	if opts.JSON {
		return printJSON(io.Out, struct {
			Providers []*providers.Profile `json:"providers"`
		}{all})
	}
	printProviders(io.Out, painter(opts.Color), all, opts.UserDir)
	return nil
}

// The table's column widths, chosen so that a row fits 80 columns: the id,
// the default region's host, the recommended port with its TLS mode; the
// name and the username hint go on a second, indented line.
const (
	colID   = 18
	colHost = 40
	width   = 80
)

// printProviders writes the table of profiles.
func printProviders(w io.Writer, p painter, all []*providers.Profile, userDir string) {
	fmt.Fprintf(w, "%s %s %s\n", p.bold(pad("ID", colID)), p.bold(pad("HOST (DEFAULT REGION)", colHost)), p.bold("PORT"))
	for _, prof := range all {
		host, err := prof.Host("")
		if err != nil {
			host = "(any host you name)"
		}
		if n := len(prof.Regions); n > 1 {
			host += fmt.Sprintf(" +%d", n-1)
		}
		rec := prof.Recommended()
		port := fmt.Sprintf("%d %s", rec.Number, rec.TLS)
		switch rec.TLS {
		case providers.TLSNone:
			port = p.yellow(port)
		default:
			port = p.green(port)
		}
		fmt.Fprintf(w, "%s %s %s\n", p.bold(pad(prof.ID, colID)), pad(host, colHost), port)
		detail := prof.Name
		if prof.Username.Hint != "" {
			detail += " · " + prof.Username.Hint
		}
		fmt.Fprintf(w, "  %s\n", p.dim(truncate(detail, width-3)))
	}
	fmt.Fprintf(w, "\n%d providers; +N: more regions. Every field: mailcfg providers --json.\n", len(all))
	if userDir != "" {
		fmt.Fprintf(w, "Add your own: %s/<id>.yaml\n", userDir)
	}
}

// pad left-aligns s in n columns, or truncates it to n-1 and a space.
func pad(s string, n int) string {
	if utf8.RuneCountInString(s) >= n {
		return truncate(s, n-1) + " "
	}
	return s + strings.Repeat(" ", n-utf8.RuneCountInString(s))
}

// truncate shortens s to at most n runes, ending with "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
