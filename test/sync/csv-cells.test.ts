import { describe, expect, it } from "vitest";
import { formatSafeCsvRecord, spreadsheetSafeCell, spreadsheetSafeRecord } from "../../src/sync/csv-cells.js";

describe("spreadsheetSafeCell", () => {
  it.each(["=1+1", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-", "+", "-4x", "=cmd|' /C calc'!A0", "-1,5"])("neutralises %j", (cell) => {
    expect(spreadsheetSafeCell(cell)).toBe(`'${cell}`);
  });

  it.each(["-3", "+2", "-2.5", "-.5", "1e3", "-1e-3", "14", "000123", "Oat Milk", "a=b", "", "'=already"])("leaves %j as it is", (cell) => {
    expect(spreadsheetSafeCell(cell)).toBe(cell);
  });

  it("quotes a neutralised cell and escapes its quotes, in the record's own delimiter", () => {
    expect(formatSafeCsvRecord(["S12", '=HYPERLINK("x")', "-3", "@A"], ";")).toBe(`S12;"'=HYPERLINK(""x"")";-3;"'@A"`);
    expect(spreadsheetSafeRecord(`S12,"=1,2",-3,ok`, ",")).toBe(`S12,"'=1,2",-3,ok`);
    expect(spreadsheetSafeRecord("S12,000123,abc", ",")).toBe("S12,000123,abc");
  });
});
