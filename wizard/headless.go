package wizard

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailcfg/mailcfg/checks"
)

// LiveSteps are the steps that do network work, in order.
var LiveSteps = []StepID{StepPort, StepHandshake, StepDNS, StepRecords, StepSend}

// RunHeadless runs every network step of the flow in order with no user
// interface, printing each step's progress as text to w, and then the
// Markdown report. The answer steps must already be answered (prefill or
// the demo). It returns whether every part passed.
func (s *Session) RunHeadless(ctx context.Context, w io.Writer, now func() time.Time) bool {
	if now == nil {
		now = time.Now
	}
	for _, id := range LiveSteps {
		if ctx.Err() != nil {
			break
		}
		s.Goto(id)
		fmt.Fprintf(w, "== %s\n", id.Info().Title)
		res := s.WorkFor(id)(ctx, func(e checks.Event) { printEvent(w, e) })
		if err := s.Store(id, res); err != nil {
			fmt.Fprintf(w, "   %s\n", err)
			continue
		}
		printResult(w, id, res)
	}
	s.Goto(StepSummary)
	fmt.Fprintln(w)
	_ = s.WriteReport(w, now())
	return s.AllPassed() && ctx.Err() == nil
}

// printEvent prints the ends of stages and the findings as they arrive.
func printEvent(w io.Writer, e checks.Event) {
	switch e.Kind {
	case checks.EventStage:
		if e.Stage.Running {
			return
		}
		line := fmt.Sprintf("   %s %-9s %4d ms", Mark(e.Stage.Status), e.Stage.Name, e.Stage.Ms)
		if e.Stage.Code != 0 {
			line += fmt.Sprintf("  %d %s", e.Stage.Code, shown(e.Stage.Enhanced))
		}
		if e.Stage.Detail != "" {
			line += "  " + shown(e.Stage.Detail)
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	case checks.EventFinding:
		fmt.Fprintf(w, "   %s %s [%s]\n", Mark(e.Finding.Status), shown(e.Finding.Title), shown(e.Finding.ID))
	case checks.EventDone:
		if e.Err != nil {
			fmt.Fprintf(w, "   ? error %s: %s\n", shown(e.Job), shown(e.Err.Error()))
		}
	}
}

func printResult(w io.Writer, id StepID, res any) {
	switch r := res.(type) {
	case []PortProbe:
		for _, p := range r {
			fmt.Fprintf(w, "   port %-5d %-8s %s\n", p.Port.Number, p.State, shown(p.Note))
		}
	case *RecordSet:
		if r.Err != nil {
			fmt.Fprintf(w, "   ? error %s\n", shown(r.Err.Error()))
			return
		}
		for _, rec := range r.Records {
			fmt.Fprintf(w, "   %-7s %s %s %s\n", rec.Action, shown(rec.Name), rec.Type, shown(rec.Value))
		}
	case *Outcome:
		verdict := "✓ pass"
		if !r.OK {
			verdict = "✗ fail"
		}
		fmt.Fprintf(w, "   %s %s\n", verdict, id.Info().Title)
	}
}
