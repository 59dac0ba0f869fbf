// Read calendar files the way Thunderbird does (Mozilla's ical.js) and print what it understood, as JSON.
// Usage: node tests/ical_reader.mjs FILE...
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const result = {};
for (const path of process.argv.slice(2)) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(zone);
  }
  result[path] = {
    name: calendar.getFirstPropertyValue("x-wr-calname"),
    // ical.js keeps properties it has no type for (NAME, X-WR-*) as written; they are TEXT (RFC 7986), so
    // each is read as ical.js reads a TEXT value: as a SUMMARY.
    names: Object.fromEntries(["x-wr-calname", "x-wr-caldesc", "name", "description"].map((key) => {
      const written = calendar.getFirstProperty(key);
      const text = written && written.type !== "text"
        ? ICAL.Property.fromString(`SUMMARY:${written.getFirstValue()}`).getFirstValue()
        : calendar.getFirstPropertyValue(key);
      return [key.toUpperCase(), text];
    })),
    method: calendar.getFirstPropertyValue("method"),
    events: calendar.getAllSubcomponents("vevent").map((component) => {
      const event = new ICAL.Event(component);
      return {
        uid: event.uid,
        summary: event.summary,
        description: event.description,
        location: event.location,
        status: component.getFirstPropertyValue("status"),
        sequence: event.sequence,
        allDay: event.startDate.isDate,
        start: event.startDate.isDate ? event.startDate.toString() : event.startDate.toJSDate().toISOString(),
        end: event.endDate.isDate ? event.endDate.toString() : event.endDate.toJSDate().toISOString(),
        categories: component.getAllProperties("categories").flatMap((p) => p.getValues()),
      };
    }),
  };
}
process.stdout.write(JSON.stringify(result));
