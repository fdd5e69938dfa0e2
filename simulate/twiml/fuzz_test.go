package twiml

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, tc := range validateCases {
		f.Add([]byte(tc.doc))
	}
	for _, s := range []string{"", "<", "<Response", "<Response/>", "<a><b></a></b>", "\ufeff<Response/>",
		"<?xml version=\"1.0\" encoding=\"windows-1252\"?><Response><Say>\x93hi\x94</Say></Response>",
		strings.Repeat("<Say>", 70), "<Response><Say>a<emphasis>b</emphasis>c</Say></Response>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, perr := Parse(body)
		if (doc == nil) == (perr == nil) {
			t.Fatalf("Parse returned doc=%v err=%v", doc, perr)
		}
		if doc != nil {
			_ = doc.Fatal()
			for _, v := range doc.Verbs() {
				_ = v.Attr("method")
				_, _ = v.Int("timeout")
			}
			for _, p := range doc.Problems {
				if p.Code == 0 || p.Message == "" || strings.ContainsAny(p.Error(), "\n\r") {
					t.Fatalf("bad problem %+v", p)
				}
			}
		}
		out, err := Pretty(body, Style{})
		var pp *Problem
		if err != nil {
			if !errors.As(err, &pp) || pp.Code != 12100 {
				t.Fatalf("Pretty error %v is not a 12100 Problem", err)
			}
			var q *Problem
			if !errors.As(perr, &q) || q.Code != 12100 {
				t.Fatalf("Pretty failed (%v) but Parse did not (%v)", err, perr)
			}
			return
		}
		var q *Problem
		if errors.As(perr, &q) && q.Code == 12100 {
			t.Fatalf("Parse failed with 12100 (%v) but Pretty succeeded", perr)
		}
		// Pretty output is well-formed and stable (unless a legacy encoding
		// is declared: Pretty emits UTF-8 but keeps the declaration).
		if bytes.Contains(bytes.ToLower(body), []byte("encoding")) {
			return
		}
		again, err := Pretty([]byte(out), Style{})
		if err != nil {
			t.Fatalf("Pretty output does not re-parse: %v\n%s", err, out)
		}
		if again != out {
			t.Fatalf("Pretty not idempotent:\n%s\n---\n%s", out, again)
		}
		if doc != nil {
			doc2, err := Parse([]byte(out))
			if err != nil {
				t.Fatalf("Parse(Pretty) failed: %v", err)
			}
			if len(doc2.Verbs()) != len(doc.Verbs()) {
				t.Fatalf("verb count changed %d -> %d", len(doc.Verbs()), len(doc2.Verbs()))
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	body := []byte(ivr)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPretty(b *testing.B) {
	body := []byte(ivr)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Pretty(body, Style{}); err != nil {
			b.Fatal(err)
		}
	}
}
