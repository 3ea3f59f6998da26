/** Live feeds of committed events and alerts, for the SSE and gRPC streams. */
export { AlertFeed, type AlertFeedFilter, type AlertFilterInput, type AlertRow } from './alert-feed.ts';
export { END_CLOSED, END_ERROR, END_LAGGED, FeedError, type FeedErrorCode } from './errors.ts';
export { EventFeed, type EventFeedFilter, type EventFilterInput } from './event-feed.ts';
export type { FeedHandlers, FeedSubscription, TailOptions } from './table-tail.ts';
