# escape=`
FROM scratch
ENV A=a`
  B=b
COPY . /
