# %% [markdown]
# # Bản tóm tắt cho Đảng ủy xã · *Committee briefing*
#
# Các hình và bản tóm tắt một trang cho Đảng ủy xã, từ các dự báo đã lưu: giữ
# nguyên như hiện nay và thực hiện các giải pháp của Nghị quyết. Mỗi hình có dòng
# nguồn (kịch bản, số lần mô phỏng, seed, phiên bản, nguồn tham số, ngày tính).
# Tham số lấy từ hiệu chỉnh của xã khi có (`data/nahy/calibration/`), nếu không
# là giá trị giả định trong `parameters.csv`; bản tóm tắt ghi rõ điều đó. Nút ở
# trên cùng chuyển sang tiếng Anh.
#
# *The figures and the one-page summary for the commune Party Committee, from
# stored forecasts: no new measures, and the resolution's measures. Every
# figure carries a source line. Parameters come from the commune's calibration
# when it has one, else from the assumed values; the summary says which. The
# switch at the top changes the language.*

# %%
import os
from pathlib import Path

import sim
from sim.presentation.briefing import write_briefing
from sim.presentation.briefing_content import parameters_sentence
from sim.presentation.language_switch import bilingual, language_switch
from sim.presentation.plots import admissions_fan, target_probabilities

REPS = int(os.environ.get("NAHY_NOTEBOOK_REPS", "200"))
SMALL = "NAHY_NOTEBOOK_REPS" in os.environ  # the test suite runs this notebook small
WORKERS = 1 if SMALL else None  # small runs: no worker pool to start
SEED = 2015
DATA = Path(sim.__file__).resolve().parents[1] / "data" / "nahy"
RESULTS = Path(os.environ.get("NAHY_NOTEBOOK_RESULTS", "results"))

language_switch()

# %% [markdown]
# ## Các dự báo (đã lưu thì dùng lại) · *The forecasts (reused when stored)*

# %%
scenarios = [DATA / "scenarios" / "baseline.toml", DATA / "scenarios" / "resolution-2015.toml"]
comparison = sim.compare(scenarios, reps=REPS, seed=SEED, out=RESULTS, workers=WORKERS, quiet=True)
results = list(comparison.results.values())
bilingual(lambda lang: parameters_sentence(results, lang))

# %% [markdown]
# ## Hai hình chính · *The two key figures*

# %%
bilingual(lambda lang: admissions_fan(results, lang))

# %%
bilingual(lambda lang: target_probabilities(results, lang))

# %% [markdown]
# ## Xuất bản: mọi hình (PNG 300 dpi, SVG, PDF), bản tóm tắt và bản PDF để in
# *Export: every figure (PNG 300 dpi, SVG, PDF), the summary and the PDF to print*
#
# Mỗi ngôn ngữ một thư mục; bản tóm tắt dưới đây hiện cả hình và nút tải PDF.
#
# *One folder per language; the summary below shows its figures and the PDF to
# download.*

# %%
written = {
    lang: write_briefing(results, RESULTS / "briefing" / lang, lang) for lang in ("vi", "en")
}
bilingual(lambda lang: f"`{written[lang].folder.resolve()}`")

# %%
bilingual(lambda lang: written[lang])
