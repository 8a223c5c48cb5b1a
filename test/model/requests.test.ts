import { describe, expect, it } from "vitest";
import { addAssistantLine, addTextPart, finishRequests, newRequestLog, noteLineTime, sentTime } from "../../src/model/requests.js";
import type { TurnDraft } from "../../src/model/turns.js";
import { apiRequest, assistant, at, prompt, usage } from "../support/lines.js";

const turn = (): TurnDraft => ({ kind: "prompt", promptId: "p1", uuid: "u0", startTime: at(0), endTime: at(0), promptText: "hi", origin: undefined, requests: 0 });

describe("requests: de-duplication by message id + request id", () => {
  it("copies of one response are one request with the largest usage, its stop reason, the latest time and every text block once", () => {
    const log = newRequestLog();
    const t = turn();
    const placeholder = assistant("msg_1", { timestamp: at(1), usage: usage(3, 1), text: "Hel", parentUuid: "u0", uuid: "a1" });
    const full = assistant("msg_1", { timestamp: at(2), usage: usage(3, 40, 1000, 200), stopReason: "tool_use", text: "Hello there" });
    const again = assistant("msg_1", { timestamp: at(3), usage: usage(3, 1), text: "Second block" });
    addAssistantLine(log, placeholder, undefined, t, 4);
    addAssistantLine(log, full, undefined, t, 5);
    const draft = addAssistantLine(log, again, undefined, t, 6);
    expect([...log.drafts.keys()]).toEqual(["msg_1:req_msg_1"]);
    expect(draft).toEqual({
      key: "msg_1:req_msg_1",
      messageId: "msg_1",
      requestId: "req_msg_1",
      model: "claude-sonnet-4-5",
      usage: usage(3, 40, 1000, 200),
      stopReason: "tool_use",
      requestRef: undefined,
      parentUuid: "u0",
      firstTime: at(1),
      endTime: at(3),
      agentId: undefined,
      turn: t,
      toolCallIds: [],
      textParts: ["Hello there", "Second block"],
      position: 4,
    });
    expect(t.requests).toBe(1);
  });

  it("the same message id under another request id is another request; a line without ids keys on its uuid", () => {
    const log = newRequestLog();
    addAssistantLine(log, assistant("msg_1", { requestId: "req_a", timestamp: at(1) }), undefined, undefined, undefined);
    addAssistantLine(log, assistant("msg_1", { requestId: "req_b", timestamp: at(2) }), "agent-x", undefined, undefined);
    const noIds = { ...assistant("", { timestamp: at(3), uuid: "u9" }), messageId: undefined, requestId: undefined };
    addAssistantLine(log, noIds, undefined, undefined, undefined);
    expect([...log.drafts.values()].map((d) => [d.key, d.agentId])).toEqual([
      ["msg_1:req_a", undefined],
      ["msg_1:req_b", "agent-x"],
      ["u9:", undefined],
    ]);
  });

  it("Claude Code's <synthetic> messages are no API call", () => {
    const log = newRequestLog();
    const t = turn();
    expect(addAssistantLine(log, assistant("msg_s", { model: "<synthetic>", timestamp: at(1) }), undefined, t, 0)).toBeUndefined();
    expect(log.drafts.size).toBe(0);
    expect(t.requests).toBe(0);
  });

  it("text blocks: a repeat or a prefix of a held block adds nothing, a longer version replaces it", () => {
    const parts: string[] = [];
    for (const text of ["Hel", "Hello", "He", "Other", "Hello"]) addTextPart(parts, text);
    expect(parts).toEqual(["Hello", "Other"]);
  });
});

describe("requests: when a request was sent", () => {
  it("its api-request line, else the line it answers, else its first line", () => {
    const log = newRequestLog();
    for (const line of [apiRequest("ar1", at(10)), prompt("go", { uuid: "p1", timestamp: at(20) })]) noteLineTime(log, line);
    const byRef = addAssistantLine(log, assistant("m1", { requestRef: "ar1", parentUuid: "p1", timestamp: at(12) }), undefined, undefined, undefined)!;
    const byParent = addAssistantLine(log, assistant("m2", { parentUuid: "p1", timestamp: at(25) }), undefined, undefined, undefined)!;
    const byFirst = addAssistantLine(log, assistant("m3", { parentUuid: "unknown", timestamp: at(30) }), undefined, undefined, undefined)!;
    const untimed = addAssistantLine(log, assistant("m4", {}), undefined, undefined, undefined)!;
    expect([sentTime(log, byRef), sentTime(log, byParent), sentTime(log, byFirst), sentTime(log, untimed)]).toEqual([at(10), at(20), at(30), 0]);
  });

  it("finished requests: ordered by start (then key), start never after end, priced at the time sent, with their turn", () => {
    const log = newRequestLog();
    noteLineTime(log, apiRequest("ar-late", at(50)));
    addAssistantLine(log, assistant("m-b", { timestamp: at(5), requestRef: "ar-late", usage: usage(1, 2) }), undefined, undefined, undefined);
    addAssistantLine(log, assistant("m-a", { timestamp: at(5), usage: usage(10, 20) }), "agent-1", undefined, undefined);
    addAssistantLine(log, assistant("m-c", { timestamp: at(1), usage: usage(100, 200) }), undefined, undefined, undefined);
    const sent: [string, number][] = [];
    const requests = finishRequests(
      log,
      (_turn, agentId) => (agentId === "agent-1" ? 7 : undefined),
      (draft, sentAt) => {
        sent.push([draft.key, sentAt]);
        const usd = draft.usage.output / 100;
        return { usd, known: true, source: "price_table", pricedUsd: usd, pricedSource: "price_table", computedUsd: usd };
      },
    );
    expect(sent).toEqual([
      ["m-b:req_m-b", at(50)],
      ["m-a:req_m-a", at(5)],
      ["m-c:req_m-c", at(1)],
    ]);
    expect(requests).toEqual([
      {
        key: "m-c:req_m-c",
        messageId: "m-c",
        requestId: "req_m-c",
        model: "claude-sonnet-4-5",
        usage: usage(100, 200),
        stopReason: undefined,
        startTime: at(1),
        endTime: at(1),
        agentId: undefined,
        turnIndex: undefined,
        toolCallIds: [],
        textParts: [],
        cost: { usd: 2, known: true, source: "price_table", pricedUsd: 2, pricedSource: "price_table", computedUsd: 2 },
      },
      {
        key: "m-a:req_m-a",
        messageId: "m-a",
        requestId: "req_m-a",
        model: "claude-sonnet-4-5",
        usage: usage(10, 20),
        stopReason: undefined,
        startTime: at(5),
        endTime: at(5),
        agentId: "agent-1",
        turnIndex: 7,
        toolCallIds: [],
        textParts: [],
        cost: { usd: 0.2, known: true, source: "price_table", pricedUsd: 0.2, pricedSource: "price_table", computedUsd: 0.2 },
      },
      {
        key: "m-b:req_m-b",
        messageId: "m-b",
        requestId: "req_m-b",
        model: "claude-sonnet-4-5",
        usage: usage(1, 2),
        stopReason: undefined,
        startTime: at(5),
        endTime: at(5),
        agentId: undefined,
        turnIndex: undefined,
        toolCallIds: [],
        textParts: [],
        cost: { usd: 0.02, known: true, source: "price_table", pricedUsd: 0.02, pricedSource: "price_table", computedUsd: 0.02 },
      },
    ]);
  });
});
