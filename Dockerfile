# The service in a container, installed from the same requirements.txt as `make serve`.
# Models go to the HF cache under /models; mount a volume there to keep them between runs.
# For a CPU-only image, point pip at a CPU build of torch: --build-arg PIP_EXTRA_INDEX_URL=<a CPU torch index>.
FROM python:3.11-slim
ARG PIP_EXTRA_INDEX_URL=""
ENV PIP_EXTRA_INDEX_URL=${PIP_EXTRA_INDEX_URL} PIP_NO_CACHE_DIR=1 HF_HOME=/models PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY pyproject.toml README.md ./
COPY translator translator
COPY api api
RUN pip install --no-deps . && useradd --create-home translator && mkdir -p /models && chown translator /models
USER translator
EXPOSE 8000
CMD ["translator", "serve", "--host", "0.0.0.0", "--port", "8000"]
