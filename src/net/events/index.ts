// Events: the log netplumb's networking layer writes, kernel link events, and the merged stream.
export { EventLog, stateDir, EVENT_LOG_FILE, EVENT_LOG_VERSION } from './log';
export type { EventLogReadOptions } from './log';
export { watchLinkEvents } from './links';
export type { LinkWatchOptions, LinkEventStream } from './links';
export { watchEvents } from './stream';
export type { WatchEventsOptions, EventStream } from './stream';
export { parseEventTime } from './since';
export { formatEvent, formatEventJson } from './render';
export { checkNewEvent, eventConcerns, EVENT_KINDS } from './types';
export type {
  NetplumbEvent, NewEvent, EventKind, NetworkEvent, ContainerEvent, AttachmentEvent, PortEvent, LinkEvent,
  EventNetwork, EventContainer, EventPort, EventLink,
} from './types';
