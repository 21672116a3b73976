package checks

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits on what one server reply may cost, so a hostile or broken server
// cannot exhaust memory: RFC 5321 §4.5.3.1.5 caps a reply line at 512
// octets; real multi-line replies (EHLO) have a few dozen lines.
const (
	MaxReplyLines = 100
	MaxReplyBytes = 64 << 10
)

// Errors the reply reader returns (wrapped in a *ReplyError when the reply
// could be partly read).
var (
	ErrReplyTooLong   = errors.New("smtp: reply has more than 100 lines")
	ErrReplyTooLarge  = errors.New("smtp: reply is larger than 64 KiB")
	ErrMalformedReply = errors.New("smtp: malformed reply")
)

// Reply is one server reply (RFC 5321 §4.2): a three-digit code, the RFC 3463
// enhanced status code when the text starts with one (RFC 2034 §3), and the
// text of each line, sanitised.
type Reply struct {
	Code     int
	Enhanced string
	// Lines are the texts after "NNN-" or "NNN ", sanitised and capped.
	Lines []string
	// Raw are the whole lines as shown in the transcript, sanitised.
	Raw []string
}

// Text is the reply's lines joined by a space.
func (r *Reply) Text() string { return strings.Join(r.Lines, " ") }

// Class is the first digit of the code: 2, 3, 4 or 5.
func (r *Reply) Class() int { return r.Code / 100 }

// String is the first line as the server sent it (sanitised).
func (r *Reply) String() string {
	if len(r.Raw) == 0 {
		return strconv.Itoa(r.Code)
	}
	return r.Raw[0]
}

// readReply reads one reply from br. Each line is passed to onLine (already
// sanitised) as soon as it is read, so a slow server shows live. A line
// longer than MaxLineBytes is cut (the rest is read and dropped); a reply
// over MaxReplyLines lines or MaxReplyBytes bytes is abandoned with an
// error. The reply read so far is returned with any error.
func readReply(br *bufio.Reader, onLine func(string)) (*Reply, error) {
	r := &Reply{}
	total := 0
	for {
		if len(r.Raw) >= MaxReplyLines {
			return r, ErrReplyTooLong
		}
		line, n, err := readLine(br, MaxReplyBytes-total)
		total += n
		if err != nil {
			if line != "" {
				shown := Sanitize(line, MaxLineBytes)
				r.Raw = append(r.Raw, shown)
				if onLine != nil {
					onLine(shown)
				}
			}
			return r, err
		}
		shown := Sanitize(line, MaxLineBytes)
		r.Raw = append(r.Raw, shown)
		if onLine != nil {
			onLine(shown)
		}
		code, more, text, perr := parseReplyLine(line)
		if perr != nil {
			return r, perr
		}
		if len(r.Raw) == 1 {
			r.Code = code
			r.Enhanced = parseEnhanced(text, code)
		} else if code != r.Code {
			return r, fmt.Errorf("%w: code %d in a reply that began with %d", ErrMalformedReply, code, r.Code)
		}
		r.Lines = append(r.Lines, Sanitize(text, MaxLineBytes))
		if !more {
			return r, nil
		}
	}
}

// readLine reads up to and including LF, returns the line without CRLF, and
// the number of bytes consumed. Beyond budget bytes it stops with
// ErrReplyTooLarge; beyond MaxLineBytes it keeps reading but keeps only the
// first bytes (plus a marker of how many were dropped).
func readLine(br *bufio.Reader, budget int) (string, int, error) {
	var kept []byte
	n := 0
	for {
		chunk, err := br.ReadSlice('\n')
		n += len(chunk)
		if room := 4*MaxLineBytes - len(kept); room > 0 {
			kept = append(kept, chunk[:min(room, len(chunk))]...)
		}
		if n > budget {
			return trimCRLF(kept), n, ErrReplyTooLarge
		}
		switch {
		case err == nil:
			return trimCRLF(kept), n, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && n > 0:
			return trimCRLF(kept), n, io.ErrUnexpectedEOF
		default:
			return trimCRLF(kept), n, err
		}
	}
}

func trimCRLF(b []byte) string {
	s := string(b)
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r")
}

// parseReplyLine splits "250-text" / "250 text" / "250" (RFC 5321 §4.2).
func parseReplyLine(line string) (code int, more bool, text string, err error) {
	if len(line) < 3 {
		return 0, false, "", fmt.Errorf("%w: %q is not a reply line", ErrMalformedReply, Sanitize(line, 40))
	}
	for i := 0; i < 3; i++ {
		if line[i] < '0' || line[i] > '9' {
			return 0, false, "", fmt.Errorf("%w: %q does not start with a three-digit code", ErrMalformedReply, Sanitize(line, 40))
		}
	}
	code, _ = strconv.Atoi(line[:3])
	if code < 200 || code > 599 {
		return 0, false, "", fmt.Errorf("%w: code %d is outside 2xx-5xx", ErrMalformedReply, code)
	}
	if len(line) == 3 {
		return code, false, "", nil
	}
	switch line[3] {
	case '-':
		return code, true, line[4:], nil
	case ' ':
		return code, false, line[4:], nil
	}
	return 0, false, "", fmt.Errorf("%w: %q has no space or hyphen after its code", ErrMalformedReply, Sanitize(line, 40))
}

// parseEnhanced returns the RFC 3463 status code at the start of text
// ("5.7.8"), when its class matches the reply code's first digit.
func parseEnhanced(text string, code int) string {
	f := text
	if i := strings.IndexByte(f, ' '); i >= 0 {
		f = f[:i]
	}
	parts := strings.Split(f, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || parts[0][0]-'0' != byte(code/100) {
		return ""
	}
	for _, p := range parts[1:] {
		if len(p) < 1 || len(p) > 3 {
			return ""
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return ""
			}
		}
	}
	return f
}

// Extensions are the service extensions of an EHLO reply (RFC 5321 §4.1.1.1),
// by upper-case keyword, with their parameters.
type Extensions map[string]string

// parseEHLO reads the extension lines of an EHLO reply (every line after the
// first). Keywords are upper-cased; AUTH's mechanisms are upper-cased too,
// and the old "AUTH=PLAIN LOGIN" form some servers still send is read as
// AUTH.
func parseEHLO(lines []string) Extensions {
	ext := Extensions{}
	for i, l := range lines {
		if i == 0 {
			continue
		}
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		kw, params, _ := strings.Cut(l, " ")
		if k, p, ok := strings.Cut(kw, "="); ok && strings.EqualFold(k, "AUTH") {
			kw, params = k, strings.TrimSpace(p+" "+params)
		}
		kw = strings.ToUpper(kw)
		params = strings.TrimSpace(params)
		if kw == "AUTH" {
			params = strings.ToUpper(params)
			if old, ok := ext[kw]; ok && old != "" {
				params = old + " " + params
			}
		}
		ext[kw] = params
	}
	return ext
}

// Has reports whether the server offers the extension.
func (e Extensions) Has(kw string) bool { _, ok := e[kw]; return ok }

// AuthMechanisms returns the mechanisms of AUTH, deduplicated, in the
// server's order.
func (e Extensions) AuthMechanisms() []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range strings.Fields(e["AUTH"]) {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// Size returns the SIZE limit in bytes (RFC 1870), or 0 when none is given.
func (e Extensions) Size() int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(e["SIZE"]), 10, 64)
	return n
}
