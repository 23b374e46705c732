# %% [markdown]
# # Kế hoạch phát triển đảng viên: giải pháp nào, bắt đầu khi nào?
#
# Chọn các giải pháp, ngày bắt đầu, mức độ và các bản áp dụng, đặt tên cho kế
# hoạch rồi bấm **Chạy mô phỏng**. Kế hoạch được so sánh với việc giữ nguyên như
# hiện nay trên **cùng các lần mô phỏng** (cùng số ngẫu nhiên), nên chênh lệch là
# tác dụng của kế hoạch chứ không phải do ngẫu nhiên. Kết quả sơ bộ hiện ra sau
# vài giây và được cập nhật cho đến khi chạy đủ số lần. Nút ở trên cùng chuyển
# sang tiếng Anh.
#
# *Choose the measures, their start dates, intensities and villages, name the
# plan and press **Run**. The plan is compared with making no new measures over
# the same simulated runs (common random numbers), so the difference is the
# plan's effect, not noise. A preliminary answer shows within seconds and
# updates until every run is in. The switch at the top changes the language.*
#
# *Parameters: when the commune has a calibration (`data/nahy/calibration/`),
# every run draws its rates from it, the same draw for run i of both plans;
# untick the calibration box to use the assumed values of `parameters.csv`.*

# %%
import os
from pathlib import Path

from IPython.display import display

import sim
from sim.presentation.language_switch import bilingual, language_switch
from sim.presentation.planner_screen import PlannerScreen
from sim.presentation.plots import scenario_comparison
from sim.presentation.search_screen import SearchScreen
from sim.presentation.tables import comparison_view

REPS = int(os.environ.get("NAHY_NOTEBOOK_REPS", "200"))
SMALL = "NAHY_NOTEBOOK_REPS" in os.environ  # the test suite runs this notebook small
WORKERS = 1 if SMALL else None  # small runs: no worker pool to start
SEED = 2015
DATA = Path(sim.__file__).resolve().parents[1] / "data" / "nahy"
RESULTS = Path(os.environ.get("NAHY_NOTEBOOK_RESULTS", "results"))

language_switch()

# %% [markdown]
# ## Chọn kế hoạch · *Choose the plan*
#
# Lúc mở, kế hoạch là giải pháp thứ nhất của Nghị quyết: Ủy viên Ban Thường vụ
# phụ trách năm bản vùng cao biên giới, từ tháng 7/2015 (như kịch bản
# `alone-standing-committee.toml`). Kịch bản gốc được tính một lần rồi dùng lại.
#
# *At first the plan is the resolution's first measure: Standing Committee
# members in charge of the five remote border villages from July 2015 (as in
# `alone-standing-committee.toml`). The baseline is computed once and reused.*

# %%
baseline = sim.load_scenario(DATA / "scenarios" / "baseline.toml")
screen = PlannerScreen(
    baseline,
    initial=sim.load_scenario(DATA / "scenarios" / "alone-standing-committee.toml").interventions,
    reps=REPS,
    seed=SEED,
    out=RESULTS,
    workers=WORKERS,
)
display(screen)
_ = screen.prepare()

# %% [markdown]
# ## Kết quả với kế hoạch lúc mở · *The answer for the plan as it opens*
#
# (Thay đổi lựa chọn ở trên rồi bấm **Chạy mô phỏng** để xem kế hoạch khác.)
#
# *(Change the controls above and press **Run** for another plan.)*

# %%
comparison = screen.run()

# %% [markdown]
# ## Từng giải pháp của Nghị quyết 2015, riêng lẻ · *The resolution's measures, each alone*
#
# Thư viện kịch bản có từng giải pháp của Nghị quyết năm 2015 thực hiện riêng:
# giải pháp nào thay đổi mỗi chỉ tiêu nhiều nhất?
#
# *The scenario library holds each of the 2015 resolution's measures alone:
# which one moves each target most?*

# %%
library = [DATA / "scenarios" / "baseline.toml"] + sorted((DATA / "scenarios").glob("alone-*.toml"))
alone = sim.compare(library, reps=REPS, seed=SEED, out=RESULTS, workers=WORKERS, quiet=True)
targets = next(iter(alone.results.values())).manifest["targets"]
bilingual(lambda lang: comparison_view(alone.table, targets, lang))

# %%
bilingual(lambda lang: scenario_comparison(list(alone.results.values()), lang))

# %% [markdown]
# ## Cần làm gì để chắc chắn đạt chỉ tiêu? · *What does it take to be sure enough?*
#
# Đánh dấu các giải pháp của Nghị quyết được thay đổi mức độ, chọn chỉ tiêu và
# xác suất mong muốn, rồi bấm **Tìm**. Câu trả lời nói rõ mức chắc chắn: “đạt
# 80 % với độ tin cậy 95 %” hay “có thể đạt, nhưng chưa chắc chắn trong giới hạn
# số lần chạy”. Con số báo cáo lấy từ các lần mô phỏng mới, không phải các lần
# đã dùng để chọn. Bên dưới: kế hoạch được chọn thất bại khi các tham số bất
# định nằm trong khoảng nào.
#
# *Tick the resolution's measures whose intensity may change, choose the target
# and the chance wanted, and press **Search**. The answer says how sure it is:
# "reaches 80 % with 95 % confidence" or "probably reaches it, not settled within
# the budget". The figure reported comes from fresh runs, not those the mix was
# chosen on. Below: in which ranges of the uncertain parameters the chosen plan
# fails.*

# %%
SEARCH = {"reps": 2, "trials": 2, "budget": 12, "discover_reps": 24} if SMALL else {}
search_screen = SearchScreen(
    sim.load_scenario(DATA / "scenarios" / "resolution-2015.toml"),
    ticked=["standing_committee_assignment", "targeted_sourcing"],
    target="no_white_village_at_horizon",
    p=0.8,
    seed=SEED,
    out=RESULTS,
    workers=WORKERS,
    **({"reps": 20, "trials": 12, "discover_reps": 300} | SEARCH),
)
display(search_screen)

# %%
found = search_screen.run()
