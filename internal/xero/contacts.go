package xero

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// MaxIDsPerCall is how many IDs one call filters by: longer IDs lists have
// been seen to fail with 404 (about 53 GUIDs), so ContactsByIDs batches.
const MaxIDsPerCall = 50

// ContactQuery filters GET /Contacts. Paging is always on (Page defaults to
// 1) because paged responses carry full details (addresses, phones).
type ContactQuery struct {
	Page            int
	PageSize        int
	IDs             []string
	Where           string
	Order           string
	SearchTerm      string
	ModifiedSince   time.Time
	IncludeArchived bool
}

func (q ContactQuery) values() url.Values {
	v := url.Values{}
	v.Set("page", strconv.Itoa(max(q.Page, 1)))
	if q.PageSize > 0 {
		v.Set("pageSize", strconv.Itoa(min(q.PageSize, MaxPageSize)))
	}
	setList(v, "IDs", q.IDs)
	setNonEmpty(v, "where", q.Where)
	setNonEmpty(v, "order", q.Order)
	setNonEmpty(v, "searchTerm", q.SearchTerm)
	if q.IncludeArchived {
		v.Set("includeArchived", "true")
	}
	return v
}

// ContactPage is one page of contacts.
type ContactPage struct {
	Page       int
	Pagination Pagination
	Contacts   []Contact
	// At is when Xero answered, by Xero's clock (see InvoicePage.At).
	At time.Time
}

type contactsEnvelope struct {
	DateTimeUTC Time        `json:"DateTimeUTC"`
	Pagination  *Pagination `json:"pagination"`
	Contacts    []Contact   `json:"Contacts"`
}

// Contacts returns one page of contacts.
func (c *Client) Contacts(ctx context.Context, tenantID string, q ContactQuery) (*ContactPage, error) {
	var env contactsEnvelope
	err := c.do(ctx, &request{op: "list contacts", method: http.MethodGet, path: apiPath + "/Contacts",
		query: q.values(), tenantID: tenantID, tenanted: true, header: modifiedSince(q.ModifiedSince),
		ok: []int{http.StatusOK, http.StatusNotModified}}, &env)
	if err != nil {
		return nil, err
	}
	p := &ContactPage{Page: max(q.Page, 1), Contacts: env.Contacts, At: env.DateTimeUTC.Time}
	if env.Pagination != nil {
		p.Pagination = *env.Pagination
	}
	return p, nil
}

// ContactPages walks the pages of q, as InvoicePages does.
func (c *Client) ContactPages(ctx context.Context, tenantID string, q ContactQuery) iter.Seq2[*ContactPage, error] {
	return func(yield func(*ContactPage, error) bool) {
		q.Page = max(q.Page, 1)
		for {
			p, err := c.Contacts(ctx, tenantID, q)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(p, nil) || lastPage(p.Page, len(p.Contacts), q.PageSize, p.Pagination) {
				return
			}
			q.Page++
		}
	}
}

// ContactsByIDs fetches the contacts with the given IDs, MaxIDsPerCall per
// call (duplicates are asked for once). The result is in no particular
// order; IDs Xero does not know are simply missing.
func (c *Client) ContactsByIDs(ctx context.Context, tenantID string, ids []string) ([]Contact, error) {
	seen := make(map[string]bool, len(ids))
	uniq := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	var out []Contact
	for start := 0; start < len(uniq); start += MaxIDsPerCall {
		batch := uniq[start:min(start+MaxIDsPerCall, len(uniq))]
		// A batch is at most 50 and Xero's default page is 100, but walk the
		// pages anyway in case a smaller default ever applies.
		for p, err := range c.ContactPages(ctx, tenantID, ContactQuery{IDs: batch, PageSize: len(batch)}) {
			if err != nil {
				return nil, err
			}
			out = append(out, p.Contacts...)
		}
	}
	return out, nil
}

// Contact returns one contact by ContactID (or ContactNumber).
func (c *Client) Contact(ctx context.Context, tenantID, id string) (*Contact, error) {
	if id == "" {
		return nil, errors.New("xero: get contact: empty id")
	}
	var env contactsEnvelope
	op := "get contact " + id
	if err := c.do(ctx, &request{op: op, method: http.MethodGet, path: apiPath + "/Contacts/" + url.PathEscape(id),
		tenantID: tenantID, tenanted: true}, &env); err != nil {
		return nil, err
	}
	if len(env.Contacts) == 0 {
		return nil, &NotFoundError{Op: op, Message: "empty Contacts in response"}
	}
	return &env.Contacts[0], nil
}
