package checks

import (
	"context"
	"sync/atomic"
	"testing"
)

func TestSummaryAndWorst(t *testing.T) {
	fs := []Finding{
		{ID: "spf.all", Status: StatusWarn},
		{ID: "mx.present", Status: StatusPass},
		{ID: "spf.present", Status: StatusPass},
		{ID: "dmarc.present", Status: StatusError},
		{ID: "spf.lookups", Status: StatusFail},
	}
	s := Summarize(fs)
	if s != (Summary{Pass: 2, Warn: 1, Error: 1, Fail: 1}) {
		t.Fatalf("summary = %+v", s)
	}
	if Worst(fs) != StatusFail || Worst(nil) != StatusPass {
		t.Fatal("Worst is wrong")
	}
	SortWorstFirst(fs)
	want := []string{"spf.lookups", "spf.all", "spf.present", "mx.present", "dmarc.present"}
	for i, id := range want {
		if fs[i].ID != id {
			t.Fatalf("order[%d] = %s, want %s (all: %v)", i, fs[i].ID, id, fs)
		}
	}
}

func TestRunBoundsConcurrencyAndReportsEveryJob(t *testing.T) {
	var running, peak atomic.Int32
	var jobs []Job
	for i := 0; i < 20; i++ {
		jobs = append(jobs, Job{Name: "j", Run: func(ctx context.Context, sink Sink) error {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			sink(Event{Kind: EventFinding, Finding: Finding{ID: "x.y", Status: StatusPass}})
			running.Add(-1)
			return nil
		}})
	}
	var starts, dones, findings int
	Run(context.Background(), jobs, 3, func(e Event) {
		switch e.Kind {
		case EventStart:
			starts++
		case EventDone:
			dones++
		case EventFinding:
			findings++
		}
	})
	if starts != 20 || dones != 20 || findings != 20 {
		t.Fatalf("starts=%d dones=%d findings=%d", starts, dones, findings)
	}
	if peak.Load() > 3 {
		t.Fatalf("peak concurrency %d exceeds the limit 3", peak.Load())
	}
}
