package checks

import "sort"

// Status is the verdict of one finding. Its values are the words of the
// command-line contract's JSON.
type Status string

// The statuses of a finding. Error means the check could not be made (a
// timeout, SERVFAIL, refusal, a DNSBL's own error code); it is never reported
// as missing or as a failure.
const (
	StatusPass  Status = "pass"
	StatusInfo  Status = "info"
	StatusWarn  Status = "warn"
	StatusFail  Status = "fail"
	StatusError Status = "error"
)

// Severity orders statuses from best (0) to worst: pass, info, warn, error, fail.
func (s Status) Severity() int {
	switch s {
	case StatusPass:
		return 0
	case StatusInfo:
		return 1
	case StatusWarn:
		return 2
	case StatusError:
		return 3
	case StatusFail:
		return 4
	}
	return 1
}

// Valid reports whether s is one of the five contract words.
func (s Status) Valid() bool {
	switch s {
	case StatusPass, StatusInfo, StatusWarn, StatusFail, StatusError:
		return true
	}
	return false
}

// Finding is the unit of every check, shaped as the contract's JSON.
type Finding struct {
	ID       string `json:"id"`
	Status   Status `json:"status"`
	Title    string `json:"title"`
	Detail   string `json:"detail,omitempty"`
	Fix      string `json:"fix,omitempty"`
	Ref      string `json:"ref,omitempty"`
	Evidence string `json:"evidence,omitempty"`
}

// Summary counts findings by status.
type Summary struct {
	Pass  int `json:"pass"`
	Info  int `json:"info"`
	Warn  int `json:"warn"`
	Fail  int `json:"fail"`
	Error int `json:"error"`
}

// Summarize counts fs by status.
func Summarize(fs []Finding) Summary {
	var s Summary
	for _, f := range fs {
		switch f.Status {
		case StatusPass:
			s.Pass++
		case StatusInfo:
			s.Info++
		case StatusWarn:
			s.Warn++
		case StatusFail:
			s.Fail++
		case StatusError:
			s.Error++
		}
	}
	return s
}

// Add adds the counts of o to s.
func (s *Summary) Add(o Summary) {
	s.Pass += o.Pass
	s.Info += o.Info
	s.Warn += o.Warn
	s.Fail += o.Fail
	s.Error += o.Error
}

// Worst returns the worst status among fs, or pass when fs is empty.
func Worst(fs []Finding) Status {
	w := StatusPass
	for _, f := range fs {
		if f.Status.Severity() > w.Severity() {
			w = f.Status
		}
	}
	return w
}

// Area is the part of a finding id before its first dot ("spf" for
// "spf.lookups"); the front-ends group findings by it.
func (f Finding) Area() string {
	for i := 0; i < len(f.ID); i++ {
		if f.ID[i] == '.' {
			return f.ID[:i]
		}
	}
	return f.ID
}

// SortWorstFirst orders fs by area (in first-seen order) and, within an area,
// worst status first; equal findings keep their order.
func SortWorstFirst(fs []Finding) {
	order := map[string]int{}
	for _, f := range fs {
		if _, ok := order[f.Area()]; !ok {
			order[f.Area()] = len(order)
		}
	}
	sort.SliceStable(fs, func(i, j int) bool {
		ai, aj := order[fs[i].Area()], order[fs[j].Area()]
		if ai != aj {
			return ai < aj
		}
		return fs[i].Status.Severity() > fs[j].Status.Severity()
	})
}
