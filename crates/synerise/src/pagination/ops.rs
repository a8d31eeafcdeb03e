//! One typed builder per paged operation of the spec, and its entry point on a resource handle.

use std::sync::Arc;

use futures::Stream;
use synerise_api::types;

use super::engine::{Fetch, ItemStream, Options, PageStream, Pager, RawPage, Style};
use super::{Page, PageRequest, TimeValue};
use crate::{Activities, Analytics, Catalogs, Client, Crm, Error, Events, Profiles, Result, Tags};

/// A caller-set parameter: unset, set, or a value that failed to convert (reported on the first page).
type Param<T> = std::result::Result<Option<T>, String>;

fn convert<T, V: TryInto<T>>(value: V, name: &str) -> Param<T> {
    value
        .try_into()
        .map(Some)
        .map_err(|_| format!("conversion of the value of `{name}` failed"))
}

fn param<T: Clone>(value: &Param<T>) -> Result<Option<T>> {
    value.clone().map_err(Error::Config)
}

impl PageRequest {
    fn page_index(&self) -> u32 {
        match self {
            PageRequest::PageIndex { page_index, .. } => *page_index,
            _ => 1,
        }
    }

    fn page(&self) -> u32 {
        match self {
            PageRequest::Page { page, .. } => *page,
            _ => 0,
        }
    }

    fn offset(&self) -> u64 {
        match self {
            PageRequest::Offset { offset, .. } => *offset,
            _ => 0,
        }
    }

    /// The page size of the request, for styles that always send one.
    fn size(&self) -> u32 {
        match self {
            PageRequest::PageIndex {
                page_size: size, ..
            }
            | PageRequest::Offset { limit: size, .. }
            | PageRequest::Page { size, .. }
            | PageRequest::Cursor { limit: size, .. }
            | PageRequest::Window { limit: size, .. } => *size,
            PageRequest::Single { limit } => limit.unwrap_or(super::engine::DEFAULT_PAGE_SIZE),
        }
    }

    fn limit(&self) -> Option<u32> {
        match self {
            PageRequest::Single { limit } => *limit,
            _ => Some(self.size()),
        }
    }

    fn cursor(&self) -> Option<String> {
        match self {
            PageRequest::Cursor { page_token, .. } => page_token.clone(),
            _ => None,
        }
    }

    fn from(&self) -> Option<&TimeValue> {
        match self {
            PageRequest::Window { from, .. } => from.as_ref(),
            _ => None,
        }
    }

    fn to(&self) -> Option<&TimeValue> {
        match self {
            PageRequest::Window { to, .. } => to.as_ref(),
            _ => None,
        }
    }
}

/// Declares a paged operation: its builder (every query parameter as a setter), its entry point
/// on a resource handle, how a page request is sent and how a response splits into a page.
macro_rules! paged {
    (
        $(#[$doc:meta])*
        $name:ident {
            entry: $handle:ident :: $method:ident ( $( $arg:ident : $argty:ty ),* ),
            style: $style:ident,
            size: $size:ident = $size_default:expr,
            item: $item:ty,
            envelope: $env:ty,
            query: { $( $(#[$qdoc:meta])* $q:ident : $qty:ty ),* $(,)? },
            extra: { $( $(#[$xdoc:meta])* $x:ident : $xty:ty ),* $(,)? },
            send: |$api:ident, $p:ident, $req:ident| $build:expr,
            split: |$resp:ident| $split:expr $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        #[must_use = "nothing is requested until the stream of `.items()` or `.pages()` is polled"]
        pub struct $name {
            client: Client,
            opts: Options,
            $( $arg: $argty, )*
            $( $q: Param<$qty>, )*
            $( $x: Param<$xty>, )*
        }

        impl $handle {
            $(#[$doc])*
            pub fn $method(&self $(, $arg: impl Into<$argty>)*) -> $name {
                $name {
                    client: self.client.clone(),
                    opts: Options::new($size_default),
                    $( $arg: $arg.into(), )*
                    $( $q: Ok(None), )*
                    $( $x: Ok(None), )*
                }
            }
        }

        impl $name {
            $(
                $(#[$qdoc])*
                pub fn $q<V: TryInto<$qty>>(mut self, value: V) -> Self {
                    self.$q = convert(value, stringify!($q));
                    self
                }
            )*
            $(
                $(#[$xdoc])*
                pub fn $x<V: TryInto<$xty>>(mut self, value: V) -> Self {
                    self.$x = convert(value, stringify!($x));
                    self
                }
            )*

            #[doc = concat!("Items per page (`", stringify!($size), "`; at least 1).")]
            pub fn $size(mut self, n: u32) -> Self {
                self.opts.size = Some(n.max(1));
                self
            }

            /// How many pages to fetch ahead of the consumer: while the caller consumes page N,
            /// pages up to N + `pages` are being fetched. Default 1; 0 fetches only on demand.
            pub fn prefetch(mut self, pages: usize) -> Self {
                self.opts.prefetch = pages;
                self
            }

            /// Stops after this many pages (requests).
            pub fn max_pages(mut self, pages: u64) -> Self {
                self.opts.max_pages = Some(pages);
                self
            }

            /// Stops after this many items; no page beyond the one that reaches the cap is requested.
            pub fn max_items(mut self, items: u64) -> Self {
                self.opts.max_items = Some(items);
                self
            }

            fn fetcher(self) -> Fetch<$item, $env> {
                let this = Arc::new(self);
                Arc::new(move |request: PageRequest| {
                    let this = this.clone();
                    Box::pin(async move {
                        let $p: &$name = &this;
                        let client = &$p.client;
                        let $api = client.api();
                        let $req = &request;
                        let builder = $build;
                        $(
                            let builder = match param(&$p.$q)? {
                                Some(value) => builder.$q(value),
                                None => builder,
                            };
                        )*
                        let $resp = client.call(builder.send()).await?;
                        Ok($split)
                    })
                })
            }

            fn pager(self) -> Pager<$item, $env> {
                let opts = self.opts.clone();
                Pager::new(Style::$style, opts, self.fetcher())
            }

            /// The items of every page, in server order. Dropping the stream cancels the requests
            /// in flight.
            pub fn items(self) -> impl Stream<Item = Result<$item>> + Send + Unpin + 'static {
                ItemStream::new(self.pager())
            }

            /// Whole pages, with the totals and cursors they carry. Dropping the stream cancels
            /// the requests in flight.
            pub fn pages(self) -> impl Stream<Item = Result<Page<$item, $env>>> + Send + Unpin + 'static {
                PageStream::new(self.pager())
            }
        }

        style_methods!($style, $name);
    };
}

/// Options that only some styles have.
macro_rules! style_methods {
    (@numbered $name:ident) => {
        impl $name {
            /// Fetches up to `pages` pages concurrently once the number of items is known — from
            /// the first page's total, or from [`expected_items`](Self::expected_items) — still
            /// yielding items in order. Without a known count the stream stays sequential.
            pub fn parallel(mut self, pages: usize) -> Self {
                self.opts.parallel = pages.max(1);
                self
            }

            /// The number of items the caller expects, for [`parallel`](Self::parallel) fetching
            /// from the first page on (also for operations whose pages carry no total). When the
            /// data turns out longer, the stream goes on one page at a time; when shorter, it
            /// stops at the first short page and cancels the requests beyond it.
            pub fn expected_items(mut self, items: u64) -> Self {
                self.opts.expected_items = Some(items);
                self
            }
        }
    };
    (PageIndex, $name:ident) => { style_methods!(@numbered $name); };
    (Offset, $name:ident) => { style_methods!(@numbered $name); };
    (Page, $name:ident) => { style_methods!(@numbered $name); };
    ($other:ident, $name:ident) => {};
}

// ----- pageIndex / pageSize ----------------------------------------------------------------------

/// `split` of the analytics definitions pages: items in `content`, the total in
/// `pagination.totalElements` (the envelope types differ, the shape does not).
macro_rules! content_page {
    ($resp:expr) => {{
        let mut page = $resp;
        let items = page.content.take();
        let total = page.pagination.as_ref().and_then(|m| m.total_elements);
        RawPage::new(items, page).total(total)
    }};
}

paged! {
    /// Profiles of the workspace (`GET /v4/clients`, `listClients`), paged by `pageIndex` (from 1)
    /// and `pageSize` (default 100). Pages are bare arrays without a total: the stream ends at
    /// the first short or empty page.
    ///
    /// ```no_run
    /// # async fn run(client: synerise::Client) -> synerise::Result<()> {
    /// use futures::TryStreamExt;
    /// use synerise::types::ListClientsSortBy;
    /// let mut profiles = client.profiles().list().page_size(500).sort_by(ListClientsSortBy::Email).items();
    /// while let Some(profile) = profiles.try_next().await? {
    ///     println!("{:?}", profile.email);
    /// }
    /// # Ok(()) }
    /// ```
    ListProfiles {
        entry: Profiles::list(),
        style: PageIndex,
        size: page_size = Some(100),
        item: types::Profile,
        envelope: (),
        query: {
            /// Sort by this Profile attribute (`sortBy`).
            sort_by: types::ListClientsSortBy,
            /// Sort order (`sortOrder`).
            sort_order: types::ListClientsSortOrder,
            /// Only anonymous (`true`) or only identified (`false`) Profiles (`filters[anonymous]`).
            filters_anonymous: bool,
            /// Filter by first name (`filters[firstName]`).
            filters_first_name: String,
            /// Filter by last name (`filters[lastName]`).
            filters_last_name: String,
            /// Filter by e-mail (`filters[email]`).
            filters_email: String,
            /// Filter by phone (`filters[phone]`).
            filters_phone: String,
        },
        extra: {},
        send: |api, p, req| api.list_clients().page_index(req.page_index()).page_size(req.size()),
        split: |resp| RawPage::new(Some(resp), ()),
    }
}

// ----- offset / limit ----------------------------------------------------------------------------

paged! {
    /// Rows of a finished Profile export task (`GET /client-exporter/v2/export/clients/task/{taskId}`,
    /// `getResultsByTaskId`), paged by `offset`/`limit` (default 1000, at most 10000). Pages are
    /// bare arrays without a total.
    ListExportResults {
        entry: Profiles::export_results(task_id: i64),
        style: Offset,
        size: limit = Some(1000),
        item: types::ProfileExportRow,
        envelope: (),
        query: {},
        extra: {},
        send: |api, p, req| api.get_results_by_task_id().task_id(p.task_id).limit(req.size()).offset(req.offset()),
        split: |resp| RawPage::new(Some(resp), ()),
    }
}

paged! {
    /// Catalogs (`GET /catalogs/bags`, `getBags`), paged by `offset`/`limit` (default 100); pages
    /// carry `metaData.totalCount`.
    ListCatalogs {
        entry: Catalogs::list(),
        style: Offset,
        size: limit = Some(100),
        item: types::Catalog,
        envelope: types::CatalogsPage,
        query: {
            /// Search catalogs by name (`searchBy`).
            search_by: String,
            /// Sort field (`orderBy`).
            order_by: types::GetBagsOrderBy,
        },
        extra: {},
        send: |api, p, req| api.get_bags().offset(req.offset()).limit(req.size()),
        split: |resp| {
            let mut page = resp;
            let items = page.data.take();
            let total = page.meta_data.as_ref().and_then(|m| m.total_count);
            RawPage::new(items, page).total(total)
        },
    }
}

paged! {
    /// Items of one catalog (`GET /catalogs/bags/{catalogId}/items`, `getItemsByBag`), paged by
    /// `offset`/`limit` (default 100); pages carry `metaData.totalCount`.
    ListCatalogItems {
        entry: Catalogs::list_items(catalog_id: i64),
        style: Offset,
        size: limit = Some(100),
        item: types::CatalogItemEntry,
        envelope: types::CatalogItemsPage,
        query: {
            /// Only the item with this key (`itemKey`).
            item_key: String,
        },
        extra: {},
        send: |api, p, req| api.get_items_by_bag().catalog_id(p.catalog_id).offset(req.offset()).limit(req.size()),
        split: |resp| {
            let mut page = resp;
            let items = page.data.take();
            let total = page.meta_data.as_ref().and_then(|m| m.total_count);
            RawPage::new(items, page).total(total)
        },
    }
}

paged! {
    /// Items of every catalog of the workspace (`GET /catalogs/items`,
    /// `getItemsByBusinessProfileid`), paged by `offset`/`limit` (default 100); pages carry
    /// `metaData.totalCount`.
    ListAllCatalogItems {
        entry: Catalogs::list_all_items(),
        style: Offset,
        size: limit = Some(100),
        item: types::CatalogItemEntry,
        envelope: types::CatalogItemsPage,
        query: {},
        extra: {},
        send: |api, p, req| api.get_items_by_business_profileid().offset(req.offset()).limit(req.size()),
        split: |resp| {
            let mut page = resp;
            let items = page.data.take();
            let total = page.meta_data.as_ref().and_then(|m| m.total_count);
            RawPage::new(items, page).total(total)
        },
    }
}

/// Splits a CRM Profile list page; its total is `matching` (the Profiles that match the filters).
fn crm_page(
    mut page: types::CrmProfileListPage,
) -> RawPage<types::CrmProfile, types::CrmProfileListPage> {
    let items = page.customers.take();
    let total = page.matching;
    RawPage::new(items, page).total(total)
}

paged! {
    /// Profiles of the CRM list (`GET /crm/v1/list`, `listClients_0`), paged by `offset`/`limit`
    /// (default 100); pages carry `matching`.
    ListCrmProfiles {
        entry: Crm::list_profiles(),
        style: Offset,
        size: limit = Some(100),
        item: types::CrmProfile,
        envelope: types::CrmProfileListPage,
        query: {
            /// Recognized or anonymous Profiles only (`recognized`).
            recognized: types::ListClients0Recognized,
            /// Search expression, e.g. `firstName:John` (`search`).
            search: String,
            /// Sort expression, `field:orderType` (`sortBy`).
            sort_by: String,
        },
        extra: {},
        send: |api, p, req| api.list_clients_0().offset(req.offset()).limit(req.size()),
        split: |resp| crm_page(resp),
    }
}

paged! {
    /// Profiles of companies (`GET /crm/v1/company-clients`, `listCompanyClients`), paged by
    /// `offset`/`limit` (default 100); pages carry `matching`.
    ListCompanyProfiles {
        entry: Crm::list_company_profiles(),
        style: Offset,
        size: limit = Some(100),
        item: types::CrmProfile,
        envelope: types::CrmProfileListPage,
        query: {
            /// Recognized or anonymous Profiles only (`recognized`).
            recognized: types::ListCompanyClientsRecognized,
            /// Sort expression, `field:orderType` (`sortBy`).
            sort_by: String,
        },
        extra: {},
        send: |api, p, req| api.list_company_clients().offset(req.offset()).limit(req.size()),
        split: |resp| crm_page(resp),
    }
}

paged! {
    /// Profiles related to a company Profile (`GET /crm/v1/company-clients/{clientId}/relations`,
    /// `getCompanyRelations`), paged by `offset`/`limit` (default 100); pages carry `matching`.
    ListCompanyRelations {
        entry: Crm::list_company_relations(client_id: i64),
        style: Offset,
        size: limit = Some(100),
        item: types::CrmProfile,
        envelope: types::CrmProfileListPage,
        query: {},
        extra: {},
        send: |api, p, req| api.get_company_relations().client_id(p.client_id).offset(req.offset()).limit(req.size()),
        split: |resp| crm_page(resp),
    }
}

paged! {
    /// Profiles of a local segmentation (`GET /crm/v1/segmentations/local/{UUID}/clients`,
    /// `getLocalSegmentation`), paged by `offset`/`limit` (default 100); pages carry `matching`.
    ListLocalSegmentationProfiles {
        entry: Crm::list_local_segmentation_profiles(uuid: uuid::Uuid),
        style: Offset,
        size: limit = Some(100),
        item: types::CrmProfile,
        envelope: types::CrmProfileListPage,
        query: {
            /// Recognized or anonymous Profiles only (`recognized`).
            recognized: types::GetLocalSegmentationRecognized,
            /// Search expression, e.g. `firstName:John` (`search`).
            search: String,
        },
        extra: {},
        send: |api, p, req| api.get_local_segmentation().uuid(p.uuid).offset(req.offset()).limit(req.size()),
        split: |resp| crm_page(resp),
    }
}

paged! {
    /// Profiles of a segmentation (`GET /crm/v1/segmentations/{UUID}/clients`, `getSegmentation`),
    /// paged by `offset`/`limit` (default 100); pages carry `matching`.
    ListSegmentationProfiles {
        entry: Crm::list_segmentation_profiles(uuid: uuid::Uuid),
        style: Offset,
        size: limit = Some(100),
        item: types::CrmProfile,
        envelope: types::CrmProfileListPage,
        query: {
            /// Recognized or anonymous Profiles only (`recognized`).
            recognized: types::GetSegmentationRecognized,
            /// Search expression, e.g. `firstName:John` (`search`).
            search: String,
            /// Sort expression, `field:orderType` (`sortBy`).
            sort_by: String,
        },
        extra: {},
        send: |api, p, req| api.get_segmentation().uuid(p.uuid).offset(req.offset()).limit(req.size()),
        split: |resp| crm_page(resp),
    }
}

paged! {
    /// Profiles of a segmentation materialization (`GET /crm/v1/clients/list/{materializationId}`,
    /// `listClientsMaterialization`), paged by `offset`/`limit` (default 100). Pages carry no
    /// total: the stream ends at the first short or empty page.
    ListMaterializationProfiles {
        entry: Crm::list_materialization_profiles(materialization_id: i64),
        style: Offset,
        size: limit = Some(100),
        item: types::CrmProfile,
        envelope: types::CrmMaterializationProfilePage,
        query: {},
        extra: {},
        send: |api, p, req| api.list_clients_materialization().materialization_id(p.materialization_id).offset(req.offset()).limit(req.size()),
        split: |resp| {
            let mut page = resp;
            let items = page.customers.take();
            RawPage::new(items, page)
        },
    }
}

// ----- page / size (from 0) ----------------------------------------------------------------------

paged! {
    /// Tags of the tags collector (`GET /tags-collector/tags`, `listTagsCollectorTags`), paged by
    /// `page` (from 0) and `size` (default 100); pages carry `pagination.total`.
    ListTags {
        entry: Tags::list(),
        style: Page,
        size: size = Some(100),
        item: types::TagsCollectorTag,
        envelope: types::TagsCollectorPage,
        query: {},
        extra: {},
        send: |api, p, req| api.list_tags_collector_tags().page(req.page()).size(req.size()),
        split: |resp| {
            let mut page = resp;
            let items = page.data.take();
            let total = page.pagination.as_ref().and_then(|m| m.total);
            RawPage::new(items, page).total(total)
        },
    }
}

paged! {
    /// Analytics expressions (`GET /analytics-backend/analytics/definitions-manager/expressions`,
    /// `listExpressions`), paged by `page` (from 0) and `size` (default 100); pages carry
    /// `pagination.totalElements`.
    ListExpressions {
        entry: Analytics::list_expressions(),
        style: Page,
        size: size = Some(100),
        item: types::Expression,
        envelope: types::ExpressionsPage,
        query: {
            /// Only expressions of this kind (`filter`).
            filter: types::ListExpressionsFilter,
        },
        extra: {},
        send: |api, p, req| api.list_expressions().page(req.page()).size(req.size()),
        split: |resp| content_page!(resp),
    }
}

paged! {
    /// Analytics expressions whose title contains a string
    /// (`POST /analytics-backend/analytics/definitions-manager/expressions/filter`,
    /// `searchExpressionsByTitle`), paged by `page` (from 0) and `size` (default 100); pages
    /// carry `pagination.totalElements`.
    SearchExpressions {
        entry: Analytics::search_expressions(title: String),
        style: Page,
        size: size = Some(100),
        item: types::Expression,
        envelope: types::ExpressionsPage,
        query: {},
        extra: {},
        send: |api, p, req| api
            .search_expressions_by_title()
            .page(req.page())
            .size(req.size())
            .body(types::ExpressionTitleFilter { title: p.title.clone() }),
        split: |resp| content_page!(resp),
    }
}

paged! {
    /// Analytics aggregates (`GET /analytics-backend/analytics/definitions-manager/aggregates`,
    /// `listAggregates`), paged by `page` (from 0) and `size` (default 100); pages carry
    /// `pagination.totalElements`.
    ListAggregates {
        entry: Analytics::list_aggregates(),
        style: Page,
        size: size = Some(100),
        item: types::Aggregate,
        envelope: types::AggregatesPage,
        query: {
            /// Only aggregates of this namespace (`namespaceName`).
            namespace_name: String,
            /// Sort order (`sort`).
            sort: types::ListAggregatesSort,
        },
        extra: {},
        send: |api, p, req| api.list_aggregates().page(req.page()).size(req.size()),
        split: |resp| content_page!(resp),
    }
}

paged! {
    /// Analytics aggregates whose title contains a string
    /// (`POST /analytics-backend/analytics/definitions-manager/aggregates/filter`,
    /// `searchAggregatesByTitle`), paged by `page` (from 0) and `size` (default 100); pages carry
    /// `pagination.totalElements`.
    SearchAggregates {
        entry: Analytics::search_aggregates(title: String),
        style: Page,
        size: size = Some(100),
        item: types::Aggregate,
        envelope: types::AggregatesPage,
        query: {
            /// Sort order (`sort`).
            sort: types::SearchAggregatesByTitleSort,
        },
        extra: {},
        send: |api, p, req| api
            .search_aggregates_by_title()
            .page(req.page())
            .size(req.size())
            .body(types::AggregateTitleFilter { title: p.title.clone() }),
        split: |resp| content_page!(resp),
    }
}

// ----- cursor ------------------------------------------------------------------------------------

/// Splits an activities page; the next cursor is `meta.cursors.after`.
fn activities_page(
    mut page: types::ActivitiesPage,
) -> RawPage<types::Activity, types::ActivitiesPage> {
    let items = page.data.take();
    let cursor = page
        .meta
        .as_ref()
        .and_then(|m| m.cursors.as_ref())
        .and_then(|c| c.after.clone());
    RawPage::new(items, page).cursor(cursor)
}

paged! {
    /// Events of the Profile the token belongs to (`GET /activities-api/events`,
    /// `listOwnEvents`), paged by the cursor `pageToken` (from `meta.cursors.after`) with `limit`
    /// (default 100, at most 1000). The stream ends when a page has no next cursor.
    ListActivityEvents {
        entry: Activities::list_events(),
        style: Cursor,
        size: limit = Some(100),
        item: types::Activity,
        envelope: types::ActivitiesPage,
        query: {
            /// Comma-separated actions to include (`actions`).
            actions: String,
            /// Lower time bound, Unix milliseconds (`dateFrom`).
            date_from: i64,
            /// Upper time bound, Unix milliseconds (`dateTo`).
            date_to: i64,
            /// Raw event data instead of processed data (`raw`).
            raw: bool,
            /// Sort order (`sortBy`).
            sort_by: types::ListOwnEventsSortBy,
        },
        extra: {},
        send: |api, p, req| {
            let builder = api.list_own_events().limit(req.size());
            match req.cursor() {
                Some(token) => builder.page_token(token),
                None => builder,
            }
        },
        split: |resp| activities_page(resp),
    }
}

paged! {
    /// Events of one Profile (`POST /activities-api/events/by/{identifierType}`,
    /// `listProfileEvents`), paged by the cursor `pageToken` (from `meta.cursors.after`, sent in
    /// the query and in `additionalData`) with `limit` (default 100, at most 1000). The stream
    /// ends when a page has no next cursor.
    ListProfileEvents {
        entry: Activities::list_profile_events(identifier_type: types::ListProfileEventsIdentifierType, identifier_value: String),
        style: Cursor,
        size: limit = Some(100),
        item: types::Activity,
        envelope: types::ActivitiesPage,
        query: {},
        extra: {
            /// Comma-separated actions to include (`additionalData.actions`).
            actions: String,
            /// Lower time bound, Unix milliseconds (`additionalData.dateFrom`).
            date_from: i64,
            /// Upper time bound, Unix milliseconds (`additionalData.dateTo`).
            date_to: i64,
            /// Raw event data instead of processed data (`additionalData.raw`).
            raw: bool,
            /// Sort order (`additionalData.sortBy`).
            sort_by: types::ActivityProfileEventsRequestAdditionalDataSortBy,
        },
        send: |api, p, req| {
            let additional_data = types::ActivityProfileEventsRequestAdditionalData {
                actions: param(&p.actions)?,
                date_from: param(&p.date_from)?.map(|v| v.to_string()),
                date_to: param(&p.date_to)?.map(|v| v.to_string()),
                limit: Some(req.size().to_string()),
                page_token: req.cursor(),
                raw: param(&p.raw)?.map(|v| v.to_string()),
                sort_by: param(&p.sort_by)?.unwrap_or_default(),
            };
            let body = types::ActivityProfileEventsRequest { additional_data, identifier_value: p.identifier_value.clone() };
            let builder = api.list_profile_events().identifier_type(p.identifier_type).body(body);
            match req.cursor() {
                Some(token) => builder.page_token(token),
                None => builder,
            }
        },
        split: |resp| activities_page(resp),
    }
}

// ----- time window + limit -----------------------------------------------------------------------

paged! {
    /// Events of a Profile, legacy listing (`GET /v4/events/by-client/{clientId}`,
    /// `getClientEvents`, deprecated by Synerise), with `limit` (default 100, at most 500) and a
    /// time window: each next page asks for `time[to]` = the time of the previous page's oldest
    /// event, and the events the previous page already yielded at that time are skipped. The
    /// stream ends at the first short page. Bound the window with
    /// [`time_from`](ListClientEvents::time_from) and [`time_to`](ListClientEvents::time_to).
    ListClientEvents {
        entry: Events::list_by_client(client_id: i64),
        style: Window,
        size: limit = Some(100),
        item: types::EventRecord,
        envelope: (),
        query: {
            /// Only events with this action (`action`).
            action: String,
        },
        extra: {},
        send: |api, p, req| {
            let mut builder = api.get_client_events().client_id(p.client_id).limit(req.size());
            if let Some(from) = req.from() {
                builder = builder.time_from(from.to_string());
            }
            if let Some(to) = req.to() {
                builder = builder.time_to(to.to_string());
            }
            builder
        },
        split: |resp| RawPage::new(Some(resp), ()).times(|e: &types::EventRecord| e.time.clone().map(TimeValue::Text)),
    }
}

impl ListClientEvents {
    /// Lower time bound, ISO 8601 (`time[from]`).
    pub fn time_from(mut self, time: impl Into<String>) -> Self {
        self.opts.from = Some(TimeValue::Text(time.into()));
        self
    }

    /// Upper time bound, ISO 8601 (`time[to]`); the stream moves it down page by page.
    pub fn time_to(mut self, time: impl Into<String>) -> Self {
        self.opts.to = Some(TimeValue::Text(time.into()));
        self
    }
}

fn activity_time(activity: &types::Activity) -> Option<TimeValue> {
    activity.time.map(TimeValue::Millis)
}

fn millis(time: Option<&TimeValue>) -> Option<i64> {
    time.and_then(TimeValue::as_millis)
}

paged! {
    /// Activities of one Profile (`GET /activities-api/activities/{clientId}`,
    /// `getProfileActivities`), as JSON, with `limit` (default 100, at most 1000) and a time
    /// window (`dateFrom`/`dateTo`, Unix milliseconds) that each next page moves past the previous
    /// page's last activity (newest-first or oldest-first, as the server orders them). The stream
    /// ends at the first short page.
    ListProfileActivities {
        entry: Activities::list_profile_activities(client_id: i64),
        style: Window,
        size: limit = Some(100),
        item: types::Activity,
        envelope: (),
        query: {
            /// Comma-separated actions to include (`actions`).
            actions: String,
            /// Raw event data instead of processed data (`raw`).
            raw: bool,
        },
        extra: {},
        send: |api, p, req| {
            let mut builder = api.get_profile_activities().client_id(p.client_id).limit(req.size());
            if let Some(ms) = millis(req.from()) {
                builder = builder.date_from(ms);
            }
            if let Some(ms) = millis(req.to()) {
                builder = builder.date_to(ms);
            }
            builder
        },
        split: |resp| RawPage::new(Some(resp), ()).times(activity_time),
    }
}

paged! {
    /// Activities of the whole workspace, last 6 hours (`GET /activities-api/activities`,
    /// `getWorkspaceActivities`), as JSON, with `limit` (default 100, at most 1000) and a time
    /// window (`dateFrom`/`dateTo`, Unix milliseconds) that each next page moves past the previous
    /// page's last activity. The stream ends at the first short page.
    ListWorkspaceActivities {
        entry: Activities::list_workspace_activities(),
        style: Window,
        size: limit = Some(100),
        item: types::Activity,
        envelope: (),
        query: {
            /// Raw event data instead of processed data (`raw`).
            raw: bool,
        },
        extra: {},
        send: |api, p, req| {
            let mut builder = api.get_workspace_activities().limit(req.size());
            if let Some(ms) = millis(req.from()) {
                builder = builder.date_from(ms);
            }
            if let Some(ms) = millis(req.to()) {
                builder = builder.date_to(ms);
            }
            builder
        },
        split: |resp| RawPage::new(Some(resp), ()).times(activity_time),
    }
}

macro_rules! millis_window {
    ($($name:ident),*) => {$(
        impl $name {
            /// Lower time bound, Unix milliseconds (`dateFrom`).
            pub fn date_from(mut self, millis: i64) -> Self {
                self.opts.from = Some(TimeValue::Millis(millis));
                self
            }

            /// Upper time bound, Unix milliseconds (`dateTo`).
            pub fn date_to(mut self, millis: i64) -> Self {
                self.opts.to = Some(TimeValue::Millis(millis));
                self
            }
        }
    )*};
}

millis_window!(ListProfileActivities, ListWorkspaceActivities);

// ----- limit alone -------------------------------------------------------------------------------

paged! {
    /// Autocomplete suggestions for a Profile search (`GET /crm/v1/autocomplete`, `autocomplete`):
    /// one request with an optional `limit` (the server's default is 10).
    Autocomplete {
        entry: Crm::autocomplete(field: String, prefix: String),
        style: Single,
        size: limit = None,
        item: String,
        envelope: types::CrmAutocompleteSuggestions,
        query: {},
        extra: {},
        send: |api, p, req| {
            let builder = api.autocomplete().field(p.field.clone()).prefix(p.prefix.clone());
            match req.limit() {
                Some(limit) => builder.limit(limit),
                None => builder,
            }
        },
        split: |resp| {
            let mut page = resp;
            let items = page.entries.take();
            RawPage::new(items, page)
        },
    }
}
