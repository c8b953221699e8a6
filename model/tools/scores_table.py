"""Print a pack's evaluation scores (the manifest's `evaluation.scores`) as the Markdown tables of
model/README.md, with the floors and targets beside text-to-video.

  /usr/bin/python3 model/tools/scores_table.py resources/models/world-s/manifest.json
  /usr/bin/python3 model/tools/scores_table.py --line resources/models/world-s/manifest.json
the one-sentence summary of a pack that the README's "The tables are ..." paragraph keeps for each
earlier pack (written by hand until session 24, which found 0.12.0's missing).
"""
import json
import sys


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


def per_kind(per):
    return ", ".join(f"{m} {pct(v)}" for m, v in sorted(per.items()))


def line(path):
    man = json.load(open(path))
    s = man["evaluation"]["scores"]
    one, two = s["text_to_video"]["1_object"], s["text_to_video"]["2_object"]
    i2v, ef, eb, ch, inf = (s[k] for k in ("image_to_video", "extend_forward", "extend_backward", "chained_extension", "infill"))
    cf = s["i2v_conflicting_prompt"]
    b1, b2 = bars(s, "1_object"), bars(s, "2_object")  # the table's decimal, so 79/88 is not "90%" here either
    print(f"{man['version']} (step {man['training']['steps']}) on the same prompts: one object {pct_against(one['all'], *b1)} "
          f"(colour {pct(one['colour'])}, motion {pct_against(one['motion'], *b1)}; {per_kind(one['motion_per_kind'])}), "
          f"two objects {pct_against(two['all'], *b2)} (colour {pct(two['colour'])}; per motion {per_kind(two['motion_per_kind'])}), "
          f"1:1 {pct(s['text_to_video_1x1']['1_object']['all'])}, image-to-video {pct(i2v['all'])} "
          f"(first frame {pct(i2v['first_frame_28db'])}, motion {pct(i2v['motion'])}), extension forward {pct(ef['all'])} "
          f"(seam {pct(ef['seam'])}, motion {pct(ef['motion'])}), backward {pct(eb['all'])} (seam {pct(eb['seam'])}, "
          f"motion {pct(eb['motion'])}), chained {pct(ch['all'])} (background {pct(ch['background'])}, size {pct(ch['size'])}, "
          f"seams {pct(ch['seams'])}), in-filling {pct(inf['all'])} (ends {pct(inf['ends_28db'])}, middle {pct(inf['passes_middle'])}), "
          f"the picture's scene kept {pct(cf['scene_kept'])} ({cf['mean_second_psnr']} dB).")


if __name__ == "__main__":
    if sys.argv[1] == "--line":
        line(sys.argv[2])
    else:
        main(sys.argv[1])
