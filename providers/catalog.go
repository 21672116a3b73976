package providers

import (
	"embed"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

//go:embed data/*.yaml
var builtinFS embed.FS

// Catalog is a set of profiles by id. Treat it and its profiles as read-only:
// Builtin's catalog is shared.
type Catalog struct {
	byID map[string]*Profile
	all  []*Profile // sorted as All returns them
}

// Get returns the profile with the given id (case and surrounding spaces
// ignored).
func (c *Catalog) Get(id string) (*Profile, bool) {
	p, ok := c.byID[strings.ToLower(strings.TrimSpace(id))]
	return p, ok
}

// All returns every profile sorted by id, with custom and sandbox last.
func (c *Catalog) All() []*Profile {
	return slices.Clone(c.all)
}

// IDs returns the ids of All, for messages such as "unknown provider; try
// one of …".
func (c *Catalog) IDs() []string {
	ids := make([]string, len(c.all))
	for i, p := range c.all {
		ids[i] = p.ID
	}
	return ids
}

// newCatalog builds a catalogue from profiles; a later profile replaces an
// earlier one with the same id.
func newCatalog(ps []*Profile) *Catalog {
	c := &Catalog{byID: make(map[string]*Profile, len(ps))}
	for _, p := range ps {
		c.byID[p.ID] = p
	}
	for _, p := range c.byID {
		c.all = append(c.all, p)
	}
	rank := func(id string) int {
		switch id {
		case "custom":
			return 1
		case "sandbox":
			return 2
		}
		return 0
	}
	slices.SortFunc(c.all, func(a, b *Profile) int {
		if ra, rb := rank(a.ID), rank(b.ID); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.ID, b.ID)
	})
	return c
}

var builtin = sync.OnceValues(func() (*Catalog, []error) {
	ps, errs := parseDir(builtinFS, "data", "builtin:")
	for _, p := range ps {
		p.Source = "builtin"
	}
	return newCatalog(ps), errs
})

// Builtin returns the profiles embedded in the binary, parsed once. It
// panics if one of them is invalid, which the package's tests rule out.
func Builtin() *Catalog {
	c, errs := builtin()
	if len(errs) > 0 {
		panic("providers: invalid builtin profile: " + errors.Join(errs...).Error())
	}
	return c
}

// Load returns the builtin profiles plus those in userDir's *.yaml and
// *.yml files, which add profiles or replace builtin ones with the same id.
// Each problem comes back as an error naming its file and line (a
// *FileError); the files and profiles without problems still load. A
// missing userDir, or "", is no error.
func Load(userDir string) (*Catalog, []error) {
	base := Builtin()
	if userDir == "" {
		return base, nil
	}
	if _, err := os.Stat(userDir); errors.Is(err, fs.ErrNotExist) {
		return base, nil
	}
	user, errs := parseDir(os.DirFS(userDir), ".", userDir+string(filepath.Separator))
	if len(user) == 0 {
		return base, errs
	}
	return newCatalog(append(slices.Clone(base.all), user...)), errs
}

// parseDir parses every *.yaml and *.yml file of dir in fsys, in name order.
// A profile whose id an earlier file already used is an error. Errors name
// files as prefix+name.
func parseDir(fsys fs.FS, dir, prefix string) ([]*Profile, []error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, []error{&FileError{File: strings.TrimSuffix(prefix, string(filepath.Separator)), Msg: err.Error()}}
	}
	var out []*Profile
	var errs []error
	where := map[string]string{}
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		file := prefix + e.Name()
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, &FileError{File: file, Msg: err.Error()})
			continue
		}
		ps, perrs := parseFile(file, data)
		errs = append(errs, perrs...)
		for _, p := range ps {
			if prev, dup := where[p.ID]; dup {
				errs = append(errs, &FileError{File: file, Line: p.line,
					Msg: "profile id " + p.ID + " is already defined in " + prev})
				continue
			}
			where[p.ID] = file
			out = append(out, p)
		}
	}
	return out, errs
}

// UserDir returns the directory of the user's own profiles:
// $XDG_CONFIG_HOME/mailcfg/providers, or ~/.config/mailcfg/providers.
func UserDir() string {
	return UserDirFrom(os.Getenv)
}

// UserDirFrom is UserDir reading the environment through getenv (commands
// pass their own, so tests can set it). It returns "" when neither
// XDG_CONFIG_HOME nor a home directory is known.
func UserDirFrom(getenv func(string) string) string {
	base := getenv("XDG_CONFIG_HOME")
	if base == "" || !filepath.IsAbs(base) {
		// The XDG spec says a relative value is to be ignored.
		home := getenv("HOME")
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		if home == "" {
			return ""
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "mailcfg", "providers")
}
