package simulate

import (
	"context"
	"net/url"
	"strings"

	"github.com/callsim/callsim/simulate/contract"
	"github.com/callsim/callsim/simulate/twiml"
	"github.com/callsim/callsim/simulate/webhook"
)

// fallback requests the fallback URL after the voice URL failed.
func (r *run) fallback(ctx context.Context, failed *Step) (*Step, *twiml.Document) {
	params := r.call.Params(r.call.FirstStatus(), true).Merge(contract.FallbackFields(failed.Error.Code, failed.Request.URL))
	r.event(failed, Event{Kind: EventFallback, Text: "requesting the fallback URL", Code: failed.Error.Code})
	step, doc := r.fetch(ctx, "fallback", webhook.Target{URL: r.signer.PublicURL(r.opt.FallbackURL), Method: r.opt.FallbackMethod}, params)
	if step.Error == nil {
		r.t.Rescued = true
	}
	return step, doc
}

func (r *run) resolve(ref string) string {
	base, err := url.Parse(r.docURL)
	if err != nil {
		return ref
	}
	u, err := base.Parse(strings.TrimSpace(ref))
	if err != nil {
		return ref
	}
	return u.String()
}
