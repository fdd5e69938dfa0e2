package twiml

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCacheMatchesParse(t *testing.T) {
	bodies := []string{
		`<Response><Hangup/></Response>`,
		`<Response><Gather numDigits="x"><Say>Hi</Say></Gather></Response>`, // problems kept
		`<Response><Say>unclosed</Response>`,                                // 12100
		`<Reply/>`,                                                          // 12102
		`<Response><Hangup/></Response>`,                                    // a hit
	}
	c := NewCache(8, 1024)
	for _, body := range bodies {
		for range 2 {
			want, wantErr := Parse([]byte(body))
			got, gotErr := c.Parse(body)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: document (-Parse +Cache):\n%s", body, diff)
			}
			if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
				t.Errorf("%s: error %v, want %v", body, gotErr, wantErr)
			}
		}
	}
	first, _ := c.Parse(bodies[0])
	again, _ := c.Parse(bodies[0])
	if first != again {
		t.Error("a repeated body was parsed again")
	}
}

func TestCacheIsBounded(t *testing.T) {
	c := NewCache(4, 64)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				body := fmt.Sprintf(`<Response><Say>%d %d</Say></Response>`, g, i%10)
				doc, err := c.Parse(body)
				if err != nil || doc.Verbs()[0].Text != fmt.Sprintf("%d %d", g, i%10) {
					t.Errorf("%s: %v %+v", body, err, doc)
					return
				}
			}
		})
	}
	wg.Wait()
	entries := 0
	c.m.Range(func(any, any) bool { entries++; return true })
	if entries > 4+8 { // each goroutine may add one entry between the count and the clear
		t.Errorf("%d entries cached, want at most 12", entries)
	}
	long := fmt.Sprintf(`<Response><Say>%0100d</Say></Response>`, 1)
	a, _ := c.Parse(long)
	b, _ := c.Parse(long)
	if a == b {
		t.Error("a body over maxBody was cached")
	}
}

func TestCacheGivesUpOnDistinctBodies(t *testing.T) {
	c := NewCache(2, 1024)
	for i := range 2 * (maxClears + 2) {
		if _, err := c.Parse(fmt.Sprintf(`<Response><Say>%d</Say></Response>`, i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.clears.Load(); got != maxClears {
		t.Errorf("%d clears, want %d", got, maxClears)
	}
	body := `<Response><Hangup/></Response>`
	a, _ := c.Parse(body)
	b, _ := c.Parse(body)
	if a == b {
		t.Error("a cache that gave up still stores documents")
	}
}
