"""Print a pack's evaluation scores (the manifest's `evaluation.scores`) as the Markdown tables of
model/README.md, with the floors and targets beside text-to-video.

  /usr/bin/python3 model/tools/scores_table.py resources/models/world-s/manifest.json
"""
import json
import sys


def pct(v):
    return "-" if v is None else f"{100 * v:.0f}%"


def main(path):
    s = json.load(open(path))["evaluation"]["scores"]
    fl, tg = s["floors"], s["targets"]
    out = ["| text-to-video | n | all right | floor | target | scene | colour | motion |", "|---|---|---|---|---|---|---|---|"]
    for key, label in (("text_to_video", "16:9"), ("text_to_video_1x1", "1:1")):
        for n in ("1_object", "2_object"):
            r = s[key].get(n)
            if not r:
                continue
            f = fl.get(f"t2v_{n}") if label == "16:9" else None
            t = tg.get(f"t2v_{n}") if label == "16:9" else None
            out.append(f"| {'1 object' if n == '1_object' else '2 objects'}, {label} | {r['n']:.0f} | **{pct(r['all'])}** | {pct(f)} | {pct(t)} | "
                       f"{pct(r['scene'])} | {pct(r['colour'])} | {pct(r['motion'])} |")
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


if __name__ == "__main__":
    main(sys.argv[1])
