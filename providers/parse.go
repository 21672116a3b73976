package providers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FileError is a problem in a profile file, with the line it is on. Its
// Error reads "file:line: message", like a compiler's.
type FileError struct {
	File string // the file's path, or "builtin:<name>" for an embedded one
	Line int    // 1-based; 0 when the problem has no single line
	Msg  string
}

// Error returns "file:line: message" (or "file: message" without a line).
func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// yamlLine matches the "line N: " that go-yaml puts in its messages.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// yamlErrors turns a go-yaml error into FileErrors carrying its lines.
func yamlErrors(file string, err error) []error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make([]error, 0, len(msgs))
	for _, m := range msgs {
		fe := &FileError{File: file, Msg: strings.TrimPrefix(m, "yaml: ")}
		if sub := yamlLine.FindStringSubmatch(m); sub != nil {
			fe.Line, _ = strconv.Atoi(sub[1])
			fe.Msg = m[len(sub[0]):]
		}
		// go-yaml names Go types ("in type providers.Port"); say it in
		// the file's terms instead.
		fe.Msg = typeName.ReplaceAllString(fe.Msg, "in this $1 entry")
		out = append(out, fe)
	}
	return out
}

var typeName = regexp.MustCompile(`in type providers\.(\w+)`)

// parseFile decodes the profiles in one file (one per YAML document; the
// embedded files hold one each) and validates them. It returns the valid
// profiles and one error per problem; a document with any problem yields
// no profile. Unknown keys are errors, so that a typo never passes silently.
func parseFile(file string, data []byte) ([]*Profile, []error) {
	// Two decoders over the same bytes: one strict into Profile, one into
	// nodes for the lines of validation errors.
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	nodes := yaml.NewDecoder(bytes.NewReader(data))
	var out []*Profile
	var errs []error
	for doc := 0; ; doc++ {
		var root yaml.Node
		if err := nodes.Decode(&root); err != nil {
			if err != io.EOF {
				errs = append(errs, yamlErrors(file, err)...)
			}
			break
		}
		p := new(Profile)
		if err := strict.Decode(p); err != nil {
			errs = append(errs, yamlErrors(file, err)...)
			continue
		}
		if isEmptyDoc(&root) {
			continue
		}
		if len(root.Content) == 1 && root.Content[0].Kind != yaml.MappingNode {
			errs = append(errs, &FileError{File: file, Line: root.Content[0].Line,
				Msg: "a profile is a mapping of keys (id:, name:, regions: …)"})
			continue
		}
		bad := false
		for _, fe := range validate(p) {
			errs = append(errs, &FileError{File: file, Line: lineOf(&root, fe.path), Msg: fe.msg})
			bad = true
		}
		if !bad {
			p.Source = file
			p.line = lineOf(&root, "")
			out = append(out, p)
		}
	}
	return out, errs
}

func isEmptyDoc(root *yaml.Node) bool {
	if len(root.Content) == 0 {
		return true
	}
	n := root.Content[0]
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// lineOf finds the line of the node a dotted path ("ports.1.tls") names,
// or of the deepest node on the way when the rest is missing.
func lineOf(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	if path == "" {
		return line
	}
	for _, part := range strings.Split(path, ".") {
		next := child(n, part)
		if next == nil {
			break
		}
		n, line = next, next.Line
	}
	return line
}

// child returns the value under key part of a mapping, or the part-th item
// of a sequence.
func child(n *yaml.Node, part string) *yaml.Node {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				v := n.Content[i+1]
				if v.Kind == yaml.ScalarNode {
					return n.Content[i] // the key's line reads better
				}
				return v
			}
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(part); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	}
	return nil
}
