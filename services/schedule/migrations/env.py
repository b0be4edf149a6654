from services.common.migrations import run_env
from services.schedule.models import Base

run_env(Base.metadata)
