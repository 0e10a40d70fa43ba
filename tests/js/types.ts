// Compiled with `tsc --noEmit` (tests/js/tsconfig.json): every exported
// function and type used as a TypeScript user would, so the generated
// declarations are checked where users meet them.
import {
  accountFromEmail,
  accountFromParties,
  batchCallIds,
  callDate,
  callDocument,
  chunkDocument,
  chunkTranscript,
  documentVersion,
  extensiveRequest,
  formatTranscript,
  formats,
  normalizeCall,
  searchWords,
  transcriptRequest,
  type Account,
  type Affiliation,
  type CallData,
  type CallOptions,
  type CallTranscript,
  type Chunk,
  type ExtensiveRequest,
  type ExtensiveResponse,
  type Format,
  type FormatInfo,
  type FormatOptions,
  type Monologue,
  type NormalizedCall,
  type Participant,
  type Party,
  type RequestOptions,
  type SearchWord,
  type Sentence,
  type Summary,
  type TranscriptRequest,
  type TranscriptResponse,
} from "gongkit";

const sentence: Sentence = { start: 0, end: 1500, text: "Hi." };
const monologues: Monologue[] = [{ speakerId: "7", topic: null, sentences: [sentence] }];
const callTranscript: CallTranscript = { callId: "1", transcript: monologues };
const response: TranscriptResponse = { callTranscripts: [callTranscript] };
const party: Party = { speakerId: "7", name: "Jane Doe", emailAddress: "jane@acme.com", affiliation: "External" };
const affiliation: Affiliation = "Partner"; // unknown values are kept
const format: Format = "markdown";
const formatOptions: FormatOptions = { parties: [party], timestamps: true, merge: true, format };

const text: string = formatTranscript(response, formatOptions);
const fromString: string = formatTranscript(JSON.stringify(response));
const fromArray: string = formatTranscript(monologues, { format: "webvtt" });
const fromCall: string = formatTranscript(callTranscript);

const call: CallData = { metaData: { id: "1", title: "Intro", scheduled: 1734535800 }, parties: [party] };
const extensive: ExtensiveResponse = { calls: [call] };
const options: CallOptions = { names: true, internalDomains: ["seller.io"], utcOffsetMinutes: -300 };
const normalized: NormalizedCall = normalizeCall(extensive, response, options);
const withoutTranscript: NormalizedCall = normalizeCall(call);
const account: Account | null = normalized.account;
const participants: Participant[] = normalized.participants;
const summary: Summary | null = normalized.summary;
const title: string | null = normalized.title;
const date: string | null = withoutTranscript.date;

const document: string = callDocument(extensive, response);
const chunks: Chunk[] = chunkTranscript(response, { maxChars: 2000, timestamps: true });
const documentChunks: Chunk[] = chunkDocument(extensive, undefined, { maxChars: 4000, merge: true });
const first: { index: number; count: number; text: string; start: number | null; end: number | null } = chunks[0];

const day: string = callDate("2024-12-18T23:30:00-05:00", { utcOffsetMinutes: 0 });
const fromNumber: string = callDate(1518863400);
const name: string | undefined = accountFromEmail("jane@big-corp.com", { internalDomains: ["seller.io"] });
const fromParties: string | undefined = accountFromParties([party]);

const requestOptions: RequestOptions = { callIds: ["7782342274025937895"], preset: "callView" };
const body: ExtensiveRequest = extensiveRequest(requestOptions);
const transcriptBody: TranscriptRequest = transcriptRequest({ fromDateTime: "2024-01-01T00:00:00Z", cursor: "c" });
const batches: string[][] = batchCallIds(["1", "2"]);
const version: number = documentVersion();
const formatList: FormatInfo[] = formats();
const formatName: Format = formatList[0].name; // a name the format option takes
const download: string = `call.${formatList[0].extension}`;
const contentType: string = formatList[0].contentType;
const words: SearchWord[] = searchWords("Hi José");
const folded: string = words.map((w) => w.text).join(" ");
const marked: string = "Hi José".slice(words[1].start, words[1].end);

// What must not compile: numbers as ids in results, a misspelled format.
// @ts-expect-error ids in results are strings
const idNumber: number = normalized.participants[0].speakerId;
// @ts-expect-error not a format
formatTranscript(response, { format: "docx" });
// @ts-expect-error maxChars is required for chunks
chunkTranscript(response, {});

export const used = [
  text, fromString, fromArray, fromCall, account, participants, summary, title, date, document,
  documentChunks, first, day, fromNumber, name, fromParties, body, transcriptBody, batches, version,
  affiliation, idNumber, formatName, download, contentType,
];
