"""Print a pack's evaluation scores (the manifest's `evaluation.scores`) as the Markdown tables of
model/README.md, with the floors and targets beside text-to-video.

  /usr/bin/python3 model/tools/scores_table.py resources/models/world-s/manifest.json
  /usr/bin/python3 model/tools/scores_table.py --history resources/models/world-s/manifest.json
every pack on the same prompts, newest first (the shipped one from its manifest, the ones before it from
model/pack_history.json), as the README's history tables;
  /usr/bin/python3 model/tools/scores_table.py --add-history resources/models/world-s/manifest.json
puts the manifest's pack at the head of model/pack_history.json: ship_pack.sh runs it on the outgoing
pack before the new one replaces it. Until session 46 each earlier pack was one sentence in a single
README paragraph (written by hand until session 24, which found 0.12.0's missing); session 46 parsed
those sentences into pack_history.json, printed percentages as they stood.
"""
import json
import os
import sys

HISTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pack_history.json")


def pct(v):
    return "-" if v is None else f"{100 * v:.0f}%"


def pct_against(v, *bars):
    """A score beside its floor and target: one decimal where whole percent would round it up to a bar it
    has not reached (79/88 is 89.8%, which `pct` prints as 90% beside a 90% target; session 36)."""
    if any(b is not None and v < b <= round(100 * v) / 100 for b in bars):
        return f"{100 * v:.1f}%"
    return pct(v)


def bars(s, n):
    """The floor and target of a 16:9 text-to-video row ("1_object", "2_object"); None where there is none."""
    return s["floors"].get(f"t2v_{n}"), s["targets"].get(f"t2v_{n}")


def main(path):
    s = json.load(open(path))["evaluation"]["scores"]
    out = ["| text-to-video | n | all right | floor | target | scene | colour | motion |", "|---|---|---|---|---|---|---|---|"]
    for key, label in (("text_to_video", "16:9"), ("text_to_video_1x1", "1:1")):
        for n in ("1_object", "2_object"):
            r = s[key].get(n)
            if not r:
                continue
            f, t = bars(s, n) if label == "16:9" else (None, None)
            out.append(f"| {'1 object' if n == '1_object' else '2 objects'}, {label} | {r['n']:.0f} | **{pct_against(r['all'], f, t)}** | {pct(f)} | {pct(t)} | "
                       f"{pct(r['scene'])} | {pct(r['colour'])} | {pct_against(r['motion'], f, t)} |")
    motions = sorted(set(s["text_to_video"]["1_object"]["motion_per_kind"]) | set(s["text_to_video"].get("2_object", {}).get("motion_per_kind", {})))
    out += ["", "| motion right, text-to-video 16:9 | " + " | ".join(motions) + " |", "|---" * (len(motions) + 1) + "|"]
    for n in ("1_object", "2_object"):
        per = s["text_to_video"].get(n, {}).get("motion_per_kind", {})
        out.append(f"| {'1 object' if n == '1_object' else '2 objects'} | " + " | ".join(pct(per.get(m)) for m in motions) + " |")
    i2v, ef, eb, ch, inf = (s[k] for k in ("image_to_video", "extend_forward", "extend_backward", "chained_extension", "infill"))
    out += ["", "| task | n | all right | what is checked |", "|---|---|---|---|",
            f"| image-to-video | {i2v['n']} | **{pct(i2v['all'])}** | first frame within 28 dB: {pct(i2v['first_frame_28db'])} "
            f"(mean {i2v['mean_first_psnr']} dB); motion right: {pct(i2v['motion'])} (asked: 85%) |",
            f"| extend forward | {ef['n']} | **{pct(ef['all'])}** | no jump at the seam: {pct(ef['seam'])}; motion carries on: {pct(ef['motion'])} |",
            f"| extend backward | {eb['n']} | **{pct(eb['all'])}** | no jump at the seam: {pct(eb['seam'])}; motion carries on: {pct(eb['motion'])} |",
            f"| chained extension ({ch['links']} forward) | {ch['n']} | **{pct(ch['all'])}** | background within 4 levels: "
            f"{pct(ch['background'])}; object size within 15%: {pct(ch['size'])}; no seam jump anywhere: {pct(ch['seams'])} |",
            f"| in-filling | {inf['n']} | **{pct(inf['all'])}** | given ends within 28 dB: {pct(inf['ends_28db'])}; "
            f"passes the middle third halfway: {pct(inf['passes_middle'])} |"]
    cf = s.get("i2v_conflicting_prompt")  # added after 0.3.0 was scored: older manifests lack it
    if cf:
        out.append(f"| image-to-video, prompt names another scene | {cf['n']} | **{pct(cf['scene_kept'])}** | "
                   f"the picture's scene kept after frame 1 (mean frame-2 PSNR {cf['mean_second_psnr']} dB) |")
    print("\n".join(out))


def record(man):
    """A pack's row of the history: its scores as the tables print them (strings, so the old packs'
    hand-written percentages and a manifest's fractions read alike)."""
    s = man["evaluation"]["scores"]
    one, two = s["text_to_video"]["1_object"], s["text_to_video"]["2_object"]
    i2v, ef, eb, ch, inf = (s[k] for k in ("image_to_video", "extend_forward", "extend_backward", "chained_extension", "infill"))
    cf = s["i2v_conflicting_prompt"]
    b1, b2 = bars(s, "1_object"), bars(s, "2_object")  # the table's decimal, so 79/88 is not "90%" here either
    return {"version": man["version"], "step": man["training"]["steps"],
            "one": pct_against(one["all"], *b1), "one_colour": pct(one["colour"]), "one_motion": pct_against(one["motion"], *b1),
            "one_per": {m: pct(v) for m, v in sorted(one["motion_per_kind"].items())},
            "two": pct_against(two["all"], *b2), "two_colour": pct(two["colour"]),
            "two_per": {m: pct(v) for m, v in sorted(two["motion_per_kind"].items())},
            "one_1x1": pct(s["text_to_video_1x1"]["1_object"]["all"]),
            "i2v": pct(i2v["all"]), "i2v_first": pct(i2v["first_frame_28db"]), "i2v_motion": pct(i2v["motion"]),
            "ef": pct(ef["all"]), "ef_seam": pct(ef["seam"]), "ef_motion": pct(ef["motion"]),
            "eb": pct(eb["all"]), "eb_seam": pct(eb["seam"]), "eb_motion": pct(eb["motion"]),
            "ch": pct(ch["all"]), "ch_bg": pct(ch["background"]), "ch_size": pct(ch["size"]), "ch_seams": pct(ch["seams"]),
            "inf": pct(inf["all"]), "inf_ends": pct(inf["ends_28db"]), "inf_middle": pct(inf["passes_middle"]),
            "conflict": pct(cf["scene_kept"]), "conflict_db": str(cf["mean_second_psnr"])}


def load_history(path=HISTORY):
    with open(path) as f:
        return json.load(f)


def write_history(rows, path=HISTORY):
    """One pack per line, so a new pack is a one-line diff."""
    with open(path, "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]\n")


def add_history(man_path, path=HISTORY):
    """The manifest's pack at the head of the history; shipping the same version again replaces its row."""
    with open(man_path) as f:
        rec = record(json.load(f))
    rows = [r for r in load_history(path) if r["version"] != rec["version"]]
    write_history([rec] + rows, path)


def history(man_path, path=HISTORY):
    """Four tables, newest pack first: the rows, what each row checks, and each motion for one and two
    objects. A '-' is a score that pack was not given (the early packs were scored on fewer rows)."""
    with open(man_path) as f:
        rows = [record(json.load(f))] + load_history(path)
    cell = lambda r, k: r.get(k, "-")
    def table(head, keys):
        out = ["| pack | " + " | ".join(head) + " |", "|---" * (len(head) + 1) + "|"]
        out += [f"| {r['version']} ({r['step']}) | " + " | ".join(keys(r)) + " |" for r in rows]
        return out
    out = table(["1 object", "2 objects", "1:1", "image-to-video", "extend fwd", "extend bwd", "chained", "in-filling", "other scene kept"],
                lambda r: [cell(r, k) for k in ("one", "two", "one_1x1", "i2v", "ef", "eb", "ch", "inf", "conflict")])
    out += [""] + table(["1 obj colour / motion", "2 obj colour", "i2v first frame / motion", "fwd seam / motion", "bwd seam / motion",
                         "chained background / size / seams", "in-filling ends / middle", "other scene dB"],
                        lambda r: [" / ".join(cell(r, k) for k in ks) for ks in (("one_colour", "one_motion"), ("two_colour",),
                                   ("i2v_first", "i2v_motion"), ("ef_seam", "ef_motion"), ("eb_seam", "eb_motion"),
                                   ("ch_bg", "ch_size", "ch_seams"), ("inf_ends", "inf_middle"), ("conflict_db",))])
    motions = sorted(rows[0]["one_per"])
    for key, label in (("one_per", "1 object"), ("two_per", "2 objects")):
        out += ["", f"**{label}, motion right per motion**", ""]
        out += table(motions, lambda r: [r.get(key, {}).get(m, "-") for m in motions])
    notes = [f"{r['version']}: {r['note']}" for r in rows if r.get("note")]
    if notes:
        out += ["", "Notes: " + "; ".join(notes) + "."]
    return "\n".join(out)


if __name__ == "__main__":
    if sys.argv[1] == "--history":
        print(history(sys.argv[2]))
    elif sys.argv[1] == "--add-history":
        add_history(sys.argv[2])
    else:
        main(sys.argv[1])
