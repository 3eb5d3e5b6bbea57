// Read an .ics as ical.js does (the parser of several web and desktop calendars) and print each
// event's start and end in UTC, as JSON. Usage: node ics_times.mjs <node_modules dir> < file.ics
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const modules = path.resolve(process.argv[2]);
const require = createRequire(path.join(modules, "noop.js"));
const ICAL = (await import(require.resolve("ical.js"))).default;

const calendar = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const utc = (time) => time.convertToZone(ICAL.Timezone.utcTimezone).toString();
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  const alarms = component.getAllSubcomponents("valarm").map((alarm) => ({
    action: alarm.getFirstPropertyValue("action"),
    trigger: alarm.getFirstPropertyValue("trigger").toString(),
  }));
  return { start: utc(event.startDate), end: utc(event.endDate), tzid: event.startDate.zone.tzid, alarms };
});
console.log(JSON.stringify(events));
