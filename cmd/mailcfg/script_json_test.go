package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdJSONHas is `jsonhas [-file F] ARG...`. The text (the last command's
// stdout, or file F) must be exactly one JSON document, and each ARG must
// hold (with !, each must not hold; the one-document rule still applies).
// An ARG is a path, optionally followed by a test:
//
//	path            the value exists
//	path:TYPE       it is a string, number, int, bool, array, object or null;
//	                TYPE+ also wants a non-empty string, array or object
//	path=VALUE      its text is VALUE (strings unquoted, numbers as written)
//	path~REGEXP     its text matches REGEXP
//
// A path is dot-separated keys with index steps: [N] (negative from the
// end), [] (every element, and there is at least one) and [?KEY=VALUE] (some
// element whose KEY is VALUE; [?.=VALUE] for an element that is VALUE). The path "." is the document itself.
// Example: findings[?id=smtp.auth].status=fail
func cmdJSONHas(ts *testscript.TestScript, neg bool, args []string) {
	src := "stdout"
	if len(args) >= 2 && args[0] == "-file" {
		src, args = args[1], args[2:]
	}
	if len(args) == 0 {
		ts.Fatalf("usage: jsonhas [-file F] PATH[:TYPE|=VALUE|~REGEXP]...")
	}
	doc := decodeOneJSON(ts, src, ts.ReadFile(src))
	for _, arg := range args {
		path, op, want := splitJSONArg(arg)
		steps, err := parseJSONPath(path)
		if err != nil {
			ts.Fatalf("jsonhas %s: %v", arg, err)
		}
		test, err := jsonTest(op, want)
		if err != nil {
			ts.Fatalf("jsonhas %s: %v", arg, err)
		}
		why := evalJSON(doc, steps, test)
		switch {
		case neg && why == "":
			ts.Fatalf("jsonhas: %s holds in %s, want it not to", arg, src)
		case !neg && why != "":
			ts.Fatalf("jsonhas: %s does not hold in %s: %s", arg, src, why)
		}
	}
}

// decodeOneJSON parses text as one JSON document followed by nothing but
// white space.
func decodeOneJSON(ts *testscript.TestScript, src, text string) any {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		ts.Fatalf("jsonhas: %s is not JSON: %v\n%s", src, err, clip(text))
	}
	if rest := strings.TrimSpace(text[dec.InputOffset():]); rest != "" {
		ts.Fatalf("jsonhas: %s holds more than one JSON document; after it: %q", src, clip(rest))
	}
	return doc
}

func clip(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

// splitJSONArg splits an ARG at its operator, the first :, = or ~ outside
// brackets.
func splitJSONArg(arg string) (path, op, want string) {
	depth := 0
	for i, c := range arg {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
		case ':', '=', '~':
			if depth == 0 {
				return arg[:i], string(c), arg[i+1:]
			}
		}
	}
	return arg, "", ""
}

// jsonStep is one step of a path: a key, an index, every element, or a
// filter.
type jsonStep struct {
	key        string
	index      *int
	every      bool
	filterKey  string
	filterWant string
	filter     bool
}

func parseJSONPath(path string) ([]jsonStep, error) {
	if path == "." {
		return nil, nil
	}
	var steps []jsonStep
	for path != "" {
		switch {
		case path[0] == '.':
			path = path[1:]
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [ in path")
			}
			in := path[1:end]
			path = path[end+1:]
			switch {
			case in == "":
				steps = append(steps, jsonStep{every: true})
			case in[0] == '?':
				k, v, ok := strings.Cut(in[1:], "=")
				if !ok {
					return nil, fmt.Errorf("filter [%s] needs ?KEY=VALUE", in)
				}
				steps = append(steps, jsonStep{filter: true, filterKey: k, filterWant: v})
			default:
				n, err := strconv.Atoi(in)
				if err != nil {
					return nil, fmt.Errorf("index [%s] is not a number", in)
				}
				steps = append(steps, jsonStep{index: &n})
			}
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			steps = append(steps, jsonStep{key: path[:end]})
			path = path[end:]
		}
	}
	return steps, nil
}

// jsonTest returns the check of a leaf value: "" when it holds, else why not.
func jsonTest(op, want string) (func(v any) string, error) {
	switch op {
	case "":
		return func(any) string { return "" }, nil
	case "=":
		return func(v any) string {
			if got := jsonText(v); got != want {
				return fmt.Sprintf("it is %q, not %q", got, want)
			}
			return ""
		}, nil
	case "~":
		re, err := regexp.Compile(want)
		if err != nil {
			return nil, err
		}
		return func(v any) string {
			if got := jsonText(v); !re.MatchString(got) {
				return fmt.Sprintf("%q does not match %q", clip(got), want)
			}
			return ""
		}, nil
	case ":":
		nonEmpty := strings.HasSuffix(want, "+")
		typ := strings.TrimSuffix(want, "+")
		switch typ {
		case "string", "number", "int", "bool", "array", "object", "null":
		default:
			return nil, fmt.Errorf("unknown type %q", want)
		}
		return func(v any) string {
			got := jsonType(v)
			ok := got == typ || typ == "int" && got == "number" && isInt(v)
			if !ok {
				return fmt.Sprintf("it is a %s (%s), not a %s", got, clip(jsonText(v)), typ)
			}
			if nonEmpty && jsonEmpty(v) {
				return fmt.Sprintf("it is an empty %s", got)
			}
			return ""
		}, nil
	}
	return nil, fmt.Errorf("unknown operator %q", op)
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func isInt(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	_, err := n.Int64()
	return err == nil
}

func jsonEmpty(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// jsonText is a value as the script writes it: strings bare, the rest as
// JSON.
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// evalJSON walks steps from v and applies test at the end; it returns ""
// when the path exists and the test holds, else why not.
func evalJSON(v any, steps []jsonStep, test func(any) string) string {
	if len(steps) == 0 {
		return test(v)
	}
	s := steps[0]
	switch {
	case s.key != "":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: not an object (a %s)", s.key, jsonType(v))
		}
		child, ok := m[s.key]
		if !ok {
			return fmt.Sprintf("no key %q (keys: %s)", s.key, strings.Join(sortedKeys(m), " "))
		}
		if why := evalJSON(child, steps[1:], test); why != "" {
			return s.key + ": " + why
		}
		return ""
	}
	arr, ok := v.([]any)
	if !ok {
		return fmt.Sprintf("not an array (a %s)", jsonType(v))
	}
	switch {
	case s.index != nil:
		i := *s.index
		if i < 0 {
			i += len(arr)
		}
		if i < 0 || i >= len(arr) {
			return fmt.Sprintf("[%d]: out of range (%d elements)", *s.index, len(arr))
		}
		if why := evalJSON(arr[i], steps[1:], test); why != "" {
			return fmt.Sprintf("[%d]: %s", *s.index, why)
		}
		return ""
	case s.every:
		if len(arr) == 0 {
			return "[]: the array is empty"
		}
		for i, e := range arr {
			if why := evalJSON(e, steps[1:], test); why != "" {
				return fmt.Sprintf("[%d]: %s", i, why)
			}
		}
		return ""
	}
	// A filter: some matching element must satisfy the rest.
	field := func(e any) (string, bool) {
		if s.filterKey == "." {
			return jsonText(e), true
		}
		m, ok := e.(map[string]any)
		if !ok {
			return "", false
		}
		v, ok := m[s.filterKey]
		return jsonText(v), ok
	}
	var whys []string
	for _, e := range arr {
		if got, ok := field(e); !ok || got != s.filterWant {
			continue
		}
		why := evalJSON(e, steps[1:], test)
		if why == "" {
			return ""
		}
		whys = append(whys, why)
	}
	if len(whys) == 0 {
		var seen []string
		for _, e := range arr {
			if got, ok := field(e); ok {
				seen = append(seen, got)
			}
		}
		return fmt.Sprintf("[?%s=%s]: no such element (%s seen: %s)", s.filterKey, s.filterWant, s.filterKey, strings.Join(seen, " "))
	}
	return fmt.Sprintf("[?%s=%s]: %s", s.filterKey, s.filterWant, strings.Join(whys, "; "))
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestJSONHasArgs checks jsonhas's paths and tests on a small document, so
// that a script's jsonhas cannot hold by mistake.
func TestJSONHasArgs(t *testing.T) {
	var doc any
	dec := json.NewDecoder(strings.NewReader(`{"ok": true, "port": 587, "ms": 1.5, "name": "", "tls": null,
		"stages": [{"name": "connect", "code": 0}, {"name": "auth", "code": 535, "status": "fail"}],
		"ext": ["PIPELINING", "AUTH PLAIN"], "empty": [], "obj": {"a": {"b": "c"}}}`))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		arg  string
		hold bool
	}{
		{"ok", true}, {"ok=true", true}, {"ok=false", false}, {"ok:bool", true}, {"missing", false},
		{"port=587", true}, {"port:int", true}, {"ms:int", false}, {"ms:number", true}, {"port:string", false},
		{"name:string", true}, {"name:string+", false}, {"name=", true}, {"tls:null", true},
		{"stages:array+", true}, {"empty:array", true}, {"empty:array+", false}, {"empty[].x", false},
		{"stages[].code:int", true}, {"stages[].status", false}, {"stages[0].name=connect", true},
		{"stages[-1].name=auth", true}, {"stages[2]", false}, {"stages[?name=auth].code=535", true},
		{"stages[?name=auth].code=250", false}, {"stages[?name=quit]", false}, {"stages[?name=auth].status~^f", true},
		{"ext[?.=AUTH PLAIN]", true}, {"ext[?.=STARTTLS]", false}, {"obj.a.b=c", true}, {"obj.a.b~^x", false},
		{".:object", true}, {"stages.name", false}, {"ok.x", false},
	} {
		path, op, want := splitJSONArg(c.arg)
		steps, err := parseJSONPath(path)
		if err != nil {
			t.Fatalf("%s: %v", c.arg, err)
		}
		test, err := jsonTest(op, want)
		if err != nil {
			t.Fatalf("%s: %v", c.arg, err)
		}
		if why := evalJSON(doc, steps, test); (why == "") != c.hold {
			t.Errorf("%s: holds=%v (%s), want %v", c.arg, why == "", why, c.hold)
		}
	}
}
