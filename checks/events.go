package checks

import (
	"context"
	"sync"
	"time"
)

// EventKind says what an Event reports.
type EventKind int

// The kinds of progress event a check streams.
const (
	EventStart   EventKind = iota // a job began
	EventStage                    // a stage began (Stage.Status "running") or ended
	EventLine                     // a transcript line was sent or received
	EventFinding                  // a finding was made
	EventDone                     // the job ended; Err is set when it could not run
)

// Stage is one step of a live check (connect, banner, ehlo, starttls, tls,
// auth, quit, or an audit area), with its outcome and its time.
type Stage struct {
	Name   string `json:"name"`
	Status Status `json:"status"` // "running" while in progress is reported as Running
	Ms     int64  `json:"ms"`
	Code   int    `json:"code"`
	// Enhanced is the RFC 3463 enhanced status code of the reply that ended
	// the stage, such as "5.7.8".
	Enhanced string `json:"enhanced,omitempty"`
	// Detail is a short human note ("waited 12.1 s for the banner").
	Detail string `json:"detail,omitempty"`
	// Running is true for the event that opens a stage.
	Running bool `json:"-"`
}

// Direction of a transcript line.
type Direction string

// Transcript line directions: client, server, and local notes (TLS events,
// timing notes), which are drawn dim.
const (
	DirClient Direction = "c"
	DirServer Direction = "s"
	DirNote   Direction = "note"
)

// Line is one transcript line, already redacted and sanitised when it was
// captured: AUTH payloads read ********, server text has no control bytes.
type Line struct {
	Dir  Direction     `json:"dir"`
	Text string        `json:"line"`
	At   time.Duration `json:"-"` // offset from the start of the session
}

// Event is one progress report of a running job.
type Event struct {
	Kind    EventKind
	Job     string
	At      time.Time
	Stage   Stage
	Line    Line
	Finding Finding
	Err     error
}

// Sink receives a job's events as they happen. It is called from the job's
// goroutine and must not block for long; Run serialises calls to it.
type Sink func(Event)

// Discard is a Sink that drops every event.
func Discard(Event) {}

// Job is one unit of checking work for Run.
type Job struct {
	Name string
	Run  func(ctx context.Context, sink Sink) error
}

// Run runs jobs concurrently, at most limit at a time (no limit when limit <=
// 0), and reports each job's Start and Done, and everything the job reports,
// to sink. Calls to sink are serialised. Run returns when every job has ended
// or ctx is cancelled and the running jobs have returned.
func Run(ctx context.Context, jobs []Job, limit int, sink Sink) {
	if sink == nil {
		sink = Discard
	}
	var mu sync.Mutex
	safe := func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.At.IsZero() {
			e.At = time.Now()
		}
		sink(e)
	}
	if limit <= 0 || limit > len(jobs) {
		limit = len(jobs)
	}
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for _, j := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Add(1)
		go func(j Job) {
			defer wg.Done()
			defer func() { <-sem }()
			js := func(e Event) {
				e.Job = j.Name
				safe(e)
			}
			js(Event{Kind: EventStart})
			err := j.Run(ctx, js)
			js(Event{Kind: EventDone, Err: err})
		}(j)
	}
	wg.Wait()
}
